package dev.transferd.ttrpc;

/**
 * The server's side of a streaming call. Used from the handler's thread; {@link #send} may be
 * called from one other thread at a time as well.
 */
public interface ServerStream<Q, R> {
  /**
   * The next message from the client, waiting for it; {@code null} once the client has closed its
   * side. For server-streaming methods the only message is the request.
   *
   * @throws TtrpcException CANCELLED or DEADLINE_EXCEEDED when the call is cancelled while waiting,
   *     RESOURCE_EXHAUSTED when the client overran this stream's queue
   */
  Q receive();

  /**
   * Sends a message to the client, waiting while the connection cannot take more.
   *
   * @throws TtrpcException if the call has ended (cancelled, deadline passed, client gone), or
   *     RESOURCE_EXHAUSTED if the message is over the size limit (nothing is sent then)
   */
  void send(R message);

  CallContext context();
}
