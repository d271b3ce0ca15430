package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.Status;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The inbound messages of one stream end, in arrival order, followed by at most one ending.
 *
 * <p>Bounded by bytes: each message counts its serialized size plus {@link #MESSAGE_OVERHEAD}. When
 * the bound is reached {@link #put} waits (the pump stops reading the ttrpc stream); a single
 * message always fits into an empty inbox, so a frame of any legal size gets through. Thread-safe:
 * one pump puts, one consumer takes, anyone ends.
 */
final class Inbox {
  /** Bytes charged per message on top of its size, so tiny messages cannot pile up for free. */
  static final int MESSAGE_OVERHEAD = 64;

  private final long capacityBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final ArrayDeque<Any> messages = new ArrayDeque<>(); // guarded by lock
  private long bytes; // guarded by lock
  private Status ending; // guarded by lock; null while open

  Inbox(long capacityBytes) {
    if (capacityBytes < 1) {
      throw new IllegalArgumentException("inbox capacity must be positive: " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
  }

  private static long charge(Any message) {
    return message.getSerializedSize() + MESSAGE_OVERHEAD;
  }

  /**
   * Queues a message, waiting while the inbox is full.
   *
   * @return false if the inbox has already ended; the message is dropped
   */
  boolean put(Any message) throws InterruptedException {
    long charge = charge(message);
    lock.lockInterruptibly();
    try {
      while (ending == null && !messages.isEmpty() && bytes + charge > capacityBytes) {
        notFull.await();
      }
      if (ending != null) {
        return false;
      }
      messages.add(message);
      bytes += charge;
      notEmpty.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records how the stream ended, after the messages already queued; the first ending wins. OK
   * means the peer ended its side cleanly.
   */
  void end(Status status) {
    lock.lock();
    try {
      if (ending == null) {
        ending = status;
      }
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the inbox at once, dropping queued messages: this end is no longer interested. */
  void discard(Status status) {
    lock.lock();
    try {
      if (ending == null) {
        ending = status;
      }
      messages.clear();
      bytes = 0;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@link #take(long)} without a time limit. */
  Any take() throws InterruptedException {
    try {
      return take(-1);
    } catch (TimeoutException e) {
      throw new AssertionError("no timeout was set", e);
    }
  }

  /** {@link #take(long)} waiting at most {@code timeout} (a negative one counts as zero). */
  Any take(java.time.Duration timeout) throws InterruptedException, TimeoutException {
    return take(Math.max(0, timeout.toNanos()));
  }

  /**
   * The next message, waiting up to {@code timeoutNanos} (negative: forever).
   *
   * @return the message, or null after a clean ending
   * @throws dev.transferd.ttrpc.TtrpcException after an error ending
   */
  Any take(long timeoutNanos) throws InterruptedException, TimeoutException {
    lock.lockInterruptibly();
    try {
      long left = timeoutNanos;
      while (messages.isEmpty()) {
        if (ending != null) {
          return endingResult();
        }
        if (timeoutNanos < 0) {
          notEmpty.await();
        } else {
          if (left <= 0) {
            throw new TimeoutException(
                "no message within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
          }
          left = notEmpty.awaitNanos(left);
        }
      }
      return removeFirst();
    } finally {
      lock.unlock();
    }
  }

  /** A queued message without waiting; null if none (or after a clean ending). */
  Any poll() {
    lock.lock();
    try {
      if (messages.isEmpty()) {
        return ending == null ? null : endingResult();
      }
      return removeFirst();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code timeoutNanos} for an ending to be recorded, without taking messages.
   *
   * @return the ending, or null if none was recorded in time
   */
  Status awaitEnding(long timeoutNanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long left = timeoutNanos;
      while (ending == null && left > 0) {
        left = notEmpty.awaitNanos(left);
      }
      return ending;
    } finally {
      lock.unlock();
    }
  }

  /** Whether an ending has been recorded. */
  boolean hasEnded() {
    lock.lock();
    try {
      return ending != null;
    } finally {
      lock.unlock();
    }
  }

  private Any removeFirst() {
    Any message = messages.removeFirst();
    bytes -= charge(message);
    notFull.signal();
    return message;
  }

  private Any endingResult() {
    if (ending.isOk()) {
      return null;
    }
    throw ending.asException();
  }
}
