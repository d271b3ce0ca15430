package dev.transferd.ttrpc;

/**
 * Wraps client calls on the caller's thread: it may change the options (metadata such as a trace
 * {@code traceparent}), observe results, or fail the call. Both methods default to calling through.
 * The first added runs outermost.
 */
public interface ClientInterceptor {
  /** Continues a unary call. */
  interface UnaryInvoker {
    <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite> R invoke(
        MethodDescriptor<Q, R> method, Q request, CallOptions options);
  }

  /** Continues opening a stream; {@code request} is the first message of a server stream. */
  interface StreamOpener {
    <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
        ClientStream<Q, R> open(MethodDescriptor<Q, R> method, Q request, CallOptions options);
  }

  default <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
      R interceptUnary(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker next) {
    return next.invoke(method, request, options);
  }

  default <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
      ClientStream<Q, R> interceptStream(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, StreamOpener next) {
    return next.open(method, request, options);
  }
}
