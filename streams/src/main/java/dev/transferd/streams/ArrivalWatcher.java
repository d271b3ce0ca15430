package dev.transferd.streams;

import com.google.protobuf.Any;

/**
 * Sees each message of a stream as it arrives, on the thread that reads the stream off the
 * connection, before the message is queued for {@link AnyStream#receive}. For flow control that
 * must not wait for the consumer: a byte-stream receiver grants credit from here.
 *
 * <p>Called in arrival order, one message at a time. It may send on the stream, and it may block to
 * stop the stream being read (backpressure); it must then give up when interrupted, which is how
 * the stream's end reaches it.
 */
@FunctionalInterface
public interface ArrivalWatcher {
  void arrived(Any message) throws InterruptedException;
}
