package dev.transferd.ttrpc;

/**
 * The server's side of a streaming call. {@link #receive} and {@link #listen} are for the handler's
 * thread; {@link #send} may be called from any thread, including a {@link StreamListener} on the
 * I/O thread, where it never waits.
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
   * Delivers the client's messages to {@code listener} as they arrive, from now on and starting
   * with any already queued; afterwards {@link #receive} may no longer be called. For client- and
   * bidi-streaming methods; call at most once. The handler keeps the call open until it returns, as
   * usual; a listener does not end the call.
   *
   * <p>This default delivers from a thread of its own that calls {@link #receive} (for wrappers);
   * ttrpc's own streams deliver on the connection's I/O thread.
   */
  default StreamListener.Delivery listen(StreamListener<Q> listener) {
    return PumpedDelivery.start(
        this::receive, listener, "listen-" + context().method().fullMethod());
  }

  /**
   * Sends a message to the client, waiting while the connection cannot take more (except on the
   * connection's I/O thread, which never waits: the frame is queued past the high-water mark).
   *
   * @throws TtrpcException if the call has ended (cancelled, deadline passed, client gone), or
   *     RESOURCE_EXHAUSTED if the message is over the size limit (nothing is sent then)
   */
  void send(R message);

  CallContext context();
}
