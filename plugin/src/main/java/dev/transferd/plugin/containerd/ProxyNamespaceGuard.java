package dev.transferd.plugin.containerd;

import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.store.ProxyNamespace;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.UnaryHandler;
import java.util.Set;

/**
 * Keeps ttrpc clients from changing the {@link ProxyNamespace}, whose blobs containerd's metadata
 * references: in that namespace only the Content service's reads (Info, List, Read, Status,
 * ListStatuses) are served, so an operator can look at what containerd holds; anything else fails
 * with PERMISSION_DENIED naming the namespace. Calls in other namespaces pass untouched.
 */
public final class ProxyNamespaceGuard implements ServerInterceptor {
  private static final Set<String> READS =
      Set.of(
          ContentService.INFO.fullMethod(),
          ContentService.LIST.fullMethod(),
          ContentService.READ.fullMethod(),
          ContentService.STATUS.fullMethod(),
          ContentService.LIST_STATUSES.fullMethod());

  @Override
  public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    check(context);
    return next.handle(context, request);
  }

  @Override
  public <Q, R> R interceptStream(
      CallContext context, ServerStream<Q, R> stream, StreamHandler<Q, R> next) throws Exception {
    check(context);
    return next.handle(context, stream);
  }

  private static void check(CallContext context) {
    MethodDescriptor<?, ?> method = context.method();
    if (StreamingProtocol.namespace(context).equals(ProxyNamespace.NAME)
        && !READS.contains(method.fullMethod())) {
      throw new TtrpcException(
          StatusCode.PERMISSION_DENIED,
          "namespace "
              + ProxyNamespace.NAME
              + " holds containerd's content and is read-only here: "
              + method.fullMethod()
              + " is not allowed in it");
    }
  }
}
