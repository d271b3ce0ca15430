package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one way frames leave a connection. Any thread enqueues whole frames; the event loop drains
 * the queue and flushes once per drain, so concurrent calls share syscalls (a gathering write of
 * many frames). Frames from one thread leave in the order they were enqueued, which is what keeps
 * stream ids increasing on the wire when ids are allocated and enqueued under one lock.
 *
 * <p>Backpressure: {@link #awaitWritable} blocks the calling (virtual) thread while the socket's
 * outbound buffer or this queue is past its high-water mark; the event loop never blocks.
 *
 * <p>Ownership: {@link #write} takes ownership of the frame. Frames still queued when the channel
 * closes are released by the failed write, or here if the event loop is gone.
 */
final class ChannelWriter {
  private final Channel channel;
  private final long queueHighWater;
  private final Queue<ByteBuf> queue = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Runnable drain = this::drain;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition writable = lock.newCondition();
  private volatile int waiters;

  ChannelWriter(Channel channel, long queueHighWater) {
    this.channel = channel;
    this.queueHighWater = queueHighWater;
  }

  Channel channel() {
    return channel;
  }

  /** Enqueues a frame for writing; takes ownership of it. Never blocks. */
  void write(ByteBuf frame) {
    queuedBytes.addAndGet(frame.readableBytes());
    queue.add(frame);
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        channel.eventLoop().execute(drain);
      } catch (RejectedExecutionException e) {
        releaseQueued();
      }
    }
  }

  /** Whether a writer could go ahead now without exceeding the buffers' high-water marks. */
  boolean isWritable() {
    return channel.isWritable() && queuedBytes.get() < queueHighWater;
  }

  /**
   * Waits until the connection can take more, the channel closes, or the deadline passes.
   *
   * @param deadlineNanos a {@link System#nanoTime()} value, or {@link Long#MAX_VALUE}
   * @return false if the deadline passed first
   * @throws InterruptedException if the waiting thread is interrupted (its call was cancelled)
   */
  boolean awaitWritable(long deadlineNanos) throws InterruptedException {
    if (isWritable() || !channel.isActive()) {
      return true;
    }
    lock.lockInterruptibly();
    try {
      waiters++;
      try {
        while (!isWritable() && channel.isActive()) {
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          // Bounded wait: the writability signal and our queue counter are not updated atomically.
          writable.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return true;
      } finally {
        waiters--;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Called on the event loop when the channel's writability changes or it closes. */
  void wakeWaiters() {
    if (waiters > 0) {
      lock.lock();
      try {
        writable.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void drain() {
    drainScheduled.set(false);
    int written = 0;
    ByteBuf frame;
    while ((frame = queue.poll()) != null) {
      queuedBytes.addAndGet(-frame.readableBytes());
      channel.write(frame, channel.voidPromise());
      written++;
    }
    if (written > 0) {
      channel.flush();
    }
    if (isWritable()) {
      wakeWaiters();
    }
  }

  private void releaseQueued() {
    ByteBuf frame;
    while ((frame = queue.poll()) != null) {
      queuedBytes.addAndGet(-frame.readableBytes());
      frame.release();
    }
  }
}
