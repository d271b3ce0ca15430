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
 * <p>Bounded by bytes: each message counts its serialized size plus {@link #MESSAGE_OVERHEAD}.
 * {@link #offer} never waits: when a message does not fit it is refused (ttrpc keeps it and the
 * connection's reading slows down behind it), and once the consumer has taken the inbox down to
 * half its capacity the {@code resume} callback asks for the refused messages again. A single
 * message always fits into an empty inbox, so a frame of any legal size gets through. Thread-safe:
 * one thread offers (the connection's I/O thread), one consumer takes, anyone ends.
 */
final class Inbox {
  /** Bytes charged per message on top of its size, so tiny messages cannot pile up for free. */
  static final int MESSAGE_OVERHEAD = 64;

  private final long capacityBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Any> messages = new ArrayDeque<>(); // guarded by lock
  private long bytes; // guarded by lock
  private Status ending; // guarded by lock; null while open
  private boolean refused; // guarded by lock: a message was refused and not asked for again yet
  private volatile Runnable resume = () -> {};
  private boolean diverted; // guarded by lock: messages go elsewhere, see divert()

  Inbox(long capacityBytes) {
    if (capacityBytes < 1) {
      throw new IllegalArgumentException("inbox capacity must be positive: " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
  }

  private static long charge(Any message) {
    return message.getSerializedSize() + MESSAGE_OVERHEAD;
  }

  /** What to call, on the consumer's thread and without waiting, to have refused messages again. */
  void onResume(Runnable resume) {
    this.resume = resume;
  }

  /** What {@link #offer} did with a message. */
  enum Offer {
    QUEUED,
    /** Not queued for lack of room: offer it again after the resume callback. */
    REFUSED,
    /** Dropped: the inbox has ended. */
    DROPPED,
    /** Not queued: {@link #divert} was called, the caller hands it on. */
    DIVERTED
  }

  /** Queues a message unless the inbox is full, diverted or ended; never waits. */
  Offer offer(Any message) {
    long charge = charge(message);
    lock.lock();
    try {
      if (diverted) {
        return Offer.DIVERTED;
      }
      if (ending != null) {
        return Offer.DROPPED;
      }
      if (!messages.isEmpty() && bytes + charge > capacityBytes) {
        refused = true;
        return Offer.REFUSED;
      }
      messages.add(message);
      bytes += charge;
      notEmpty.signal();
      return Offer.QUEUED;
    } finally {
      lock.unlock();
    }
  }

  /**
   * From now on {@link #offer} queues nothing (it answers DIVERTED); returns and removes what was
   * queued. The ending is still recorded and reported as before.
   */
  java.util.List<Any> divert() {
    boolean ask;
    java.util.List<Any> queued;
    lock.lock();
    try {
      diverted = true;
      queued = new java.util.ArrayList<>(messages);
      messages.clear();
      bytes = 0;
      ask = refused;
      refused = false;
    } finally {
      lock.unlock();
    }
    if (ask) {
      resume.run();
    }
    return queued;
  }

  /** The ending recorded so far, or null. */
  Status ending() {
    lock.lock();
    try {
      return ending;
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
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the inbox at once, dropping queued messages: this end is no longer interested. Messages
   * refused earlier are asked for again, so that they are dropped and the connection reads on.
   */
  void discard(Status status) {
    boolean ask;
    lock.lock();
    try {
      if (ending == null) {
        ending = status;
      }
      messages.clear();
      bytes = 0;
      ask = refused;
      refused = false;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    if (ask) {
      resume.run();
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
    Any message;
    boolean ask;
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
      message = removeFirst();
      ask = takeResumeRequest();
    } finally {
      lock.unlock();
    }
    if (ask) {
      resume.run();
    }
    return message;
  }

  /** A queued message without waiting; null if none (or after a clean ending). */
  Any poll() {
    Any message;
    boolean ask;
    lock.lock();
    try {
      if (messages.isEmpty()) {
        return ending == null ? null : endingResult();
      }
      message = removeFirst();
      ask = takeResumeRequest();
    } finally {
      lock.unlock();
    }
    if (ask) {
      resume.run();
    }
    return message;
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

  /** Removes the head; the caller holds the lock. */
  private Any removeFirst() {
    Any message = messages.removeFirst();
    bytes -= charge(message);
    if (refused && bytes <= capacityBytes / 2) {
      refused = false;
      resumePending = true;
    }
    return message;
  }

  private boolean resumePending; // guarded by lock: set by removeFirst, run after unlocking

  /**
   * Whether refused messages should be asked for again now; the caller holds the lock and runs the
   * callback after unlocking (it only schedules work, but never under our lock).
   */
  private boolean takeResumeRequest() {
    boolean ask = resumePending;
    resumePending = false;
    return ask;
  }

  private Any endingResult() {
    if (ending.isOk()) {
      return null;
    }
    throw ending.asException();
  }
}
