package dev.transferd.plugin.grpc;

import dev.transferd.ttrpc.Metadata;
import java.util.Locale;

/**
 * Makes a bridged call's ttrpc {@link Metadata} from its gRPC headers: which headers a handler
 * sees, and under which keys. Called once per call, before its handler runs.
 */
@FunctionalInterface
public interface CallMetadata {
  /** containerd's namespace header on gRPC ({@code pkg/namespaces/grpc.go}). */
  String GRPC_NAMESPACE = "containerd-namespace";

  /** The same namespace on ttrpc ({@code pkg/namespaces/ttrpc.go}), which our handlers read. */
  String TTRPC_NAMESPACE = "containerd-namespace-ttrpc";

  Metadata of(io.grpc.Metadata headers);

  /**
   * Every text header a client sent, except HTTP/2 and gRPC's own ({@code :path}, {@code grpc-*},
   * {@code content-type}, {@code te}, {@code user-agent}); containerd's gRPC namespace header is
   * also given under its ttrpc key, unless the call carries that key itself, so that handlers
   * written for ttrpc see the namespace a gRPC client of containerd sends.
   */
  static Metadata containerdHeaders(io.grpc.Metadata headers) {
    Metadata.Builder out = Metadata.builder();
    for (String key : headers.keys()) {
      String k = key.toLowerCase(Locale.ROOT);
      if (k.endsWith(io.grpc.Metadata.BINARY_HEADER_SUFFIX)
          || k.startsWith(":")
          || k.startsWith("grpc-")
          || k.equals("content-type")
          || k.equals("te")
          || k.equals("user-agent")) {
        continue;
      }
      for (String v :
          headers.getAll(io.grpc.Metadata.Key.of(k, io.grpc.Metadata.ASCII_STRING_MARSHALLER))) {
        out.add(k, v);
      }
    }
    Metadata copied = out.build();
    if (copied.get(TTRPC_NAMESPACE).isEmpty() && copied.get(GRPC_NAMESPACE).isPresent()) {
      return copied.toBuilder().add(TTRPC_NAMESPACE, copied.get(GRPC_NAMESPACE).get()).build();
    }
    return copied;
  }
}
