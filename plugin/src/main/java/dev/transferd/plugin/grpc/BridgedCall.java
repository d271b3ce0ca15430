package dev.transferd.plugin.grpc;

import com.google.protobuf.MessageLite;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.UnaryHandler;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import java.util.concurrent.RejectedExecutionException;

/**
 * Starts one gRPC call of a bridged method: a {@link GrpcServerStream} takes the call's events, and
 * the ttrpc handler runs on a thread of its own from the handler executor (a virtual thread), so it
 * may block exactly as it does on ttrpc.
 */
final class BridgedCall<Q extends MessageLite, R extends MessageLite>
    implements ServerCallHandler<Q, R> {
  private final MethodDescriptor<Q, R> method;
  private final UnaryHandler<Q, R> unary;
  private final StreamHandler<Q, R> stream;
  private final CallMetadata headers;
  private final GrpcHandlers handlers;

  BridgedCall(
      MethodDescriptor<Q, R> method,
      UnaryHandler<Q, R> unary,
      StreamHandler<Q, R> stream,
      CallMetadata headers,
      GrpcHandlers handlers) {
    this.method = method;
    this.unary = unary;
    this.stream = stream;
    this.headers = headers;
    this.handlers = handlers;
  }

  @Override
  public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata grpcHeaders) {
    GrpcServerStream<Q, R> s =
        new GrpcServerStream<>(
            call, method, headers.of(grpcHeaders), io.grpc.Context.current(), handlers);
    try {
      handlers.execute(() -> s.run(unary, stream));
    } catch (RejectedExecutionException stopping) {
      call.close(
          io.grpc.Status.UNAVAILABLE.withDescription("server is shutting down"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return s.listener();
  }
}
