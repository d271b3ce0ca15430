package dev.transferd.ttrpc;

/**
 * Serves a unary method. Runs on its own virtual thread, so it may block. A thrown exception
 * becomes the call's error status ({@link Status#fromThrowable}).
 */
@FunctionalInterface
public interface UnaryHandler<Q, R> {
  R handle(CallContext context, Q request) throws Exception;
}
