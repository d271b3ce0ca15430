package dev.transferd.streams;

import com.google.protobuf.Any;

/**
 * Sees each message of a stream as it arrives, on the connection's I/O thread, as it is queued for
 * {@link AnyStream#receive}. For flow control that must not wait for the consumer to be scheduled:
 * a byte-stream receiver grants credit from here.
 *
 * <p>Called in arrival order, one message at a time. It runs on the I/O thread, so it must return
 * quickly and never block: bookkeeping under a short lock, and at most a {@link AnyStream#send},
 * which never waits there. It must not run user code. Runtime exceptions are logged and ignored.
 */
@FunctionalInterface
public interface ArrivalWatcher {
  void arrived(Any message);

  /**
   * The peer's side of the stream has ended ({@code OK}: cleanly; otherwise why the call ended).
   * Only for watchers installed with {@link AnyStream#divertArrivals}, which get no other word of
   * it; may be called more than once, from the I/O thread or another; must not block.
   */
  default void ended(dev.transferd.ttrpc.Status status) {}
}
