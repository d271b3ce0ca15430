package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one way frames leave a connection; any thread may write whole frames.
 *
 * <p>Two paths, one order. The fast path writes a frame straight to the socket from the calling
 * thread (a non-blocking {@code write(2)} on the epoll channel's descriptor, see {@link
 * NettyInternals}) when nothing else is waiting to go out: no hand-off to the event loop, no
 * wake-up, which is most of a small call's round trip. Otherwise (a writer holds the lock, frames
 * are queued, Netty still has unwritten bytes, the socket buffer is full, the transport is NIO, or
 * the writer is the event loop itself) the frame joins a queue the event loop drains, writing every
 * queued frame and then flushing once, so the frames of concurrent calls, of a stream's run of
 * sends and of one read batch's handlers leave in one gathering {@code writev}. Both paths run
 * under {@code writeLock} and the fast path is taken only when the slow one is empty, so frames
 * leave in the order they were written; that is what keeps stream ids increasing on the wire when
 * ids are allocated and written under one lock.
 *
 * <p>Backpressure: {@link #awaitWritable} blocks the calling (virtual) thread while the socket's
 * outbound buffer or the queue is past its high-water mark; the event loop never waits on it.
 *
 * <p>Ownership: {@link #write} takes ownership of the frame and releases it once written, or when
 * the channel is closed.
 */
final class ChannelWriter {
  private final Channel channel;
  private final NettyInternals.DirectWriter fd; // null on NIO: always the queued path
  private final long queueHighWater;
  private final Queue<ByteBuf> queue = NettyInternals.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Runnable drain = this::drain;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock waitLock = new ReentrantLock();
  private final Condition writable = waitLock.newCondition();
  private volatile int waiters;

  ChannelWriter(Channel channel, long queueHighWater) {
    this.channel = channel;
    this.fd = NettyInternals.directWriter(channel);
    this.queueHighWater = queueHighWater;
  }

  /**
   * Writes a frame, or queues it for the event loop; takes ownership of it. Waits only for another
   * writer's non-blocking critical section: on epoll every writer enqueues under the lock, so
   * nothing can get between a partly written frame and its queued rest.
   */
  void write(ByteBuf frame) {
    if (fd != null) {
      writeLock.lock();
      try {
        // The event loop (a handler run there, an error answer) always queues: the drain runs after
        // the current read batch, so all of that batch's responses share one flush.
        if (queuedBytes.get() == 0 && nettyPending() == 0 && !channel.eventLoop().inEventLoop()) {
          if (writeDirect(frame)) {
            return;
          }
          // Partly written (socket buffer full) or failed: the rest goes through the event loop,
          // first in line since the queue is empty and we hold the lock.
        }
        enqueue(frame);
      } finally {
        writeLock.unlock();
      }
    } else {
      enqueue(frame);
    }
    scheduleDrain();
  }

  /** True when the frame was written whole; otherwise its unwritten rest is still to write. */
  private boolean writeDirect(ByteBuf frame) {
    if (!channel.isActive()) {
      return false; // the queued path releases it against the closed channel
    }
    try {
      int n = fd.write(frame);
      if (n == frame.readableBytes()) {
        frame.release();
        return true;
      }
      frame.skipBytes(n);
      return false;
    } catch (IOException e) {
      // EPIPE or ECONNRESET: the event loop's read side reports it and closes the channel.
      return false;
    }
  }

  private long nettyPending() {
    return NettyInternals.pendingOutboundBytes(channel);
  }

  private void enqueue(ByteBuf frame) {
    queuedBytes.addAndGet(frame.readableBytes());
    queue.add(frame);
  }

  private void scheduleDrain() {
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
    waitLock.lockInterruptibly();
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
      waitLock.unlock();
    }
  }

  /** Called on the event loop when the channel's writability changes or it closes. */
  void wakeWaiters() {
    if (waiters > 0) {
      waitLock.lock();
      try {
        writable.signalAll();
      } finally {
        waitLock.unlock();
      }
    }
  }

  private void drain() {
    drainScheduled.set(false);
    if (!writeLock.tryLock()) {
      // A writer is in its (non-blocking) critical section; come back rather than wait on it.
      scheduleDrain();
      return;
    }
    int written = 0;
    try {
      ByteBuf frame;
      while ((frame = queue.poll()) != null) {
        queuedBytes.addAndGet(-frame.readableBytes());
        channel.write(frame, channel.voidPromise());
        written++;
      }
      if (written > 0) {
        channel.flush();
      }
    } finally {
      writeLock.unlock();
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
