package dev.transferd.plugin.containerd;

import dev.transferd.plugin.grpc.GrpcHandlers;
import dev.transferd.plugin.grpc.GrpcServiceBridge;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.store.ProxyNamespace;
import dev.transferd.plugin.store.Store;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.Metadata;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.UnaryHandler;
import io.grpc.ServerServiceDefinition;
import java.util.List;

/**
 * The Content service containerd uses as its {@code content} proxy plugin: the ttrpc Content
 * service, served over gRPC in the {@link ProxyNamespace}.
 *
 * <p>Namespace-less: containerd's metadata layer namespaces content itself and calls its backend
 * without a namespace, so every call here runs in the proxy namespace, whatever headers it carries
 * (a {@code containerd-namespace} header leaks into backend calls made from contexts inside
 * containerd, e.g. CRI's; honouring it would scatter containerd's blobs where its collector never
 * looks). No lease header is honoured either: containerd's leases live in containerd.
 *
 * <p>Shared content: containerd's metadata store asks its backend for {@code Info} of a digest
 * before writing it, and with its default shared policy skips the write when the backend has the
 * blob, committing only its own record ({@code metadata/content.go}). Info here therefore shares a
 * blob any transferd namespace holds into the proxy namespace first: containerd then never copies
 * bytes transferd already has, and the blob stays in the store for as long as containerd keeps it,
 * even after transferd's own images let it go.
 *
 * <p>GC safety follows from the namespace: containerd's collector lists (List) and deletes (Delete)
 * only the proxy namespace's records, and the bytes of a blob go only when no namespace records it,
 * so nothing a transferd image, lease or ingest holds in its own namespace is ever removed by
 * containerd; transferd's collector, conversely, keeps every record of the proxy namespace.
 */
public final class ContentProxy {
  private ContentProxy() {}

  /**
   * The gRPC Content service for containerd's {@code [proxy_plugins]}, its handlers running on
   * {@code handlers} (the same given to the {@link dev.transferd.plugin.grpc.GrpcServer}).
   */
  public static ServerServiceDefinition grpcService(Store store, GrpcHandlers handlers) {
    Metadata scope = Metadata.of(StreamingProtocol.NAMESPACE_KEY, ProxyNamespace.NAME);
    return GrpcServiceBridge.bridge(
        ContentService.definition(store),
        headers -> scope,
        List.of(new ShareOnInfo(store)),
        handlers);
  }

  /** Shares a blob into the proxy namespace when containerd asks for its Info. */
  private record ShareOnInfo(Store store) implements ServerInterceptor {
    @Override
    public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
        throws Exception {
      if (request instanceof InfoRequest info && isSha256(info.getDigest())) {
        store.content().share(ProxyNamespace.NAME, info.getDigest());
      }
      return next.handle(context, request);
    }

    // A malformed digest is left to Info, which names the problem.
    private static boolean isSha256(String digest) {
      return digest.matches("sha256:[0-9a-f]{64}");
    }
  }
}
