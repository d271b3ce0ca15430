package dev.transferd.ttrpc;

/**
 * Serves a streaming method (server-, client- or bidi-streaming). Runs on its own virtual thread,
 * so it may block on {@link ServerStream#receive()} and {@link ServerStream#send}.
 *
 * <p>The return value ends the call: for a client-streaming method it is the single response and
 * must not be null; for a server-streaming or bidi method return null to end the stream, or a last
 * message to send with the close flag (Go's {@code Data 0x01}). A thrown exception ends the call
 * with its status; messages already sent stay delivered.
 */
@FunctionalInterface
public interface StreamHandler<Q, R> {
  R handle(CallContext context, ServerStream<Q, R> stream) throws Exception;
}
