package dev.transferd.ttrpc;

/**
 * Takes a streaming call's inbound messages as they arrive, in place of a thread blocked in {@code
 * receive()}: installed with {@link ServerStream#listen} or {@link ClientStream#listen}.
 *
 * <p>Threads: called on the connection's I/O thread (its Netty event loop) as frames are read, so a
 * message reaches its consumer with no thread hand-off in between. Both methods must therefore
 * return quickly and never block, wait for a lock held across blocking work, or run user code: the
 * intended use is a bounded, non-blocking enqueue plus bookkeeping (flow-control credit). Calls are
 * never concurrent, and come in wire order. A stream whose implementation cannot deliver on the I/O
 * thread (e.g. one wrapped by an interceptor) delivers from a thread of its own instead, with the
 * same contract.
 *
 * <p>Backpressure: {@link #onMessage} returning false leaves the message with the call, in the
 * call's bounded queue (the same queue {@code receive()} reads), until the listener asks for more
 * with {@link Delivery#resume}; later messages queue behind it. When that queue is full too, the
 * connection stops reading, and if the listener takes nothing within the stream-queue grace period
 * the call fails with RESOURCE_EXHAUSTED, exactly as for a slow {@code receive()}.
 *
 * <p>Internal API ({@link InternalApi}): public, with the {@code listen} methods that take it, only
 * for this project's {@code streams} module, whose byte streams credit their peer as messages
 * arrive; its contract on the I/O thread is too easy to break for applications, which use {@code
 * receive()}.
 *
 * @param <M> the inbound message type
 */
@InternalApi
public interface StreamListener<M> {
  /**
   * Offers the next message.
   *
   * @return true if the listener took it; false to leave it (and everything after it) queued until
   *     {@link Delivery#resume}
   */
  boolean onMessage(M message);

  /**
   * The inbound side has ended: {@link Status#OK} after the peer's clean end of its messages (after
   * the last {@link #onMessage}), or the status the call failed with (cancelled, deadline, peer
   * error, connection closed; messages still queued are then dropped). Called at most once, on the
   * I/O thread or on the thread that ended the call.
   */
  void onEnd(Status status);

  /** The listener's handle on its delivery. */
  interface Delivery {
    /**
     * The listener can take messages again after refusing one: queued messages are offered again,
     * in order, on the I/O thread. Any thread; never blocks; harmless when nothing was refused.
     */
    void resume();
  }
}
