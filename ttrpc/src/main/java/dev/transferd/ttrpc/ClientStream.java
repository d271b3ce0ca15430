package dev.transferd.ttrpc;

/**
 * The client's side of a streaming call. {@link #send} and {@link #closeSend} may be used from any
 * thread while another {@link #receive}s (or a {@link StreamListener} takes the messages).
 */
public interface ClientStream<Q, R> extends AutoCloseable {
  /**
   * Sends a message, waiting while the connection cannot take more (except on the connection's I/O
   * thread, e.g. from a {@link StreamListener}, which never waits: the frame is queued past the
   * high-water mark).
   *
   * @throws IllegalStateException if the method takes no client stream or {@link #closeSend} was
   *     called
   * @throws TtrpcException if the call has ended, or RESOURCE_EXHAUSTED for an oversized message
   *     (nothing is sent then)
   */
  void send(Q message);

  /** Tells the server no more messages follow (Data, flags remote-closed | no-data). Idempotent. */
  void closeSend();

  /**
   * The next message from the server, waiting for it; {@code null} once the server has ended the
   * stream successfully. For a client-streaming method the only message is the response.
   *
   * @throws TtrpcException with the server's status, or DEADLINE_EXCEEDED, or UNAVAILABLE when the
   *     connection closed
   */
  R receive();

  /**
   * Delivers the server's messages to {@code listener} as they arrive, from now on and starting
   * with any already queued, and the call's end (the server's status, a deadline, a cancel, the
   * connection closing) to its {@link StreamListener#onEnd}; afterwards {@link #receive} may no
   * longer be called. Call at most once.
   *
   * <p>This default delivers from a thread of its own that calls {@link #receive} (for wrappers);
   * ttrpc's own calls deliver on the connection's I/O thread.
   */
  default StreamListener.Delivery listen(StreamListener<R> listener) {
    return PumpedDelivery.start(this::receive, listener, "listen-client-stream");
  }

  /**
   * Stops tracking the call locally; later frames for it are dropped. ttrpc has no cancel message,
   * so the server learns of it only through its deadline or the connection closing.
   */
  void cancel();

  /** Cancels the call unless it has already ended. */
  @Override
  default void close() {
    cancel();
  }
}
