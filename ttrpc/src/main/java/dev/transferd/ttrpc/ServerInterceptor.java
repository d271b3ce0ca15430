package dev.transferd.ttrpc;

/**
 * Wraps server handlers, on the handler's thread: logging, auth, tracing, context values. Both
 * methods default to calling through. Interceptors run in the order they were added, the first
 * outermost.
 */
public interface ServerInterceptor {
  default <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    return next.handle(context, request);
  }

  default <Q, R> R interceptStream(
      CallContext context, ServerStream<Q, R> stream, StreamHandler<Q, R> next) throws Exception {
    return next.handle(context, stream);
  }
}
