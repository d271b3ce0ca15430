package dev.transferd.plugin.transfer;

import com.google.protobuf.MessageLite;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientInterceptor;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.TtrpcClient;
import java.nio.file.Path;

/** Test support: clients that call as a Go agent holding a lease does. */
public final class CallerLease {
  private CallerLease() {}

  /**
   * A ttrpc client on {@code socket} whose unary calls carry {@code containerd-lease: lease}, as
   * Go's {@code client.Transfer} sends it; the caller closes it.
   */
  public static TtrpcClient ttrpcClient(Path socket, String lease) {
    ClientInterceptor withLease =
        new ClientInterceptor() {
          @Override
          public <Q extends MessageLite, R extends MessageLite> R interceptUnary(
              MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker next) {
            return next.invoke(method, request, options.withMetadata("containerd-lease", lease));
          }
        };
    return TtrpcClient.builder(socket).interceptor(withLease).build();
  }
}
