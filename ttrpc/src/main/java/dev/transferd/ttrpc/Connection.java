package dev.transferd.ttrpc;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What both ends of a ttrpc connection share: its channel, the one {@link ChannelWriter} frames
 * leave through, the {@link FrameEncoder} that builds them, access to the connection's I/O thread,
 * and the inbound flow control of {@link InboundDispatcher}. {@link ClientConnection} and {@link
 * ServerConnection} add only what differs: stream-id allocation and response routing on one side,
 * request validation and dispatch on the other.
 *
 * <p>Closing: when the channel goes inactive, the subclass fails its calls ({@link #onClosed}),
 * then frames never delivered are released and writers waiting for room are woken.
 */
abstract class Connection extends InboundDispatcher {
  private final Channel channel;
  private final ChannelWriter writer;
  private final FrameEncoder encoder;
  // Serializes tasks run on callers' threads once the event loop has stopped (see onEventLoop).
  private final ReentrantLock afterLoopLock = new ReentrantLock();

  Connection(Channel channel, FrameEncoder encoder, long queueHighWater, long graceNanos) {
    super(graceNanos);
    this.channel = channel;
    this.encoder = encoder;
    this.writer = new ChannelWriter(channel, queueHighWater);
  }

  final ChannelWriter writer() {
    return writer;
  }

  final FrameEncoder encoder() {
    return encoder;
  }

  final Channel channel() {
    return channel;
  }

  /** Whether the calling thread is this connection's I/O thread. */
  final boolean inEventLoop() {
    return channel.eventLoop().inEventLoop();
  }

  /**
   * Runs {@code task} on this connection's I/O thread, after what is already scheduled there. Once
   * that thread has stopped (its group shut down), nothing else runs there any more, so the task
   * runs on the calling thread instead, one such task at a time: a listener still hears the end of
   * its call rather than waiting forever for a delivery that was dropped.
   */
  final void onEventLoop(Runnable task) {
    try {
      channel.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      afterLoopLock.lock();
      try {
        task.run();
      } finally {
        afterLoopLock.unlock();
      }
    }
  }

  /** Runs {@code task} on this connection's I/O thread after {@code delayNanos}. */
  final Future<?> schedule(Runnable task, long delayNanos) {
    return channel.eventLoop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Closes the connection after the frames already queued: the close runs on the event loop behind
   * any pending write.
   */
  final ChannelFuture closeChannel() {
    return channel.close();
  }

  /** Fails or cancels every call still open; on the event loop, as the channel goes inactive. */
  abstract void onClosed();

  /** Records why the connection failed, before it closes; on the event loop. */
  abstract void onFailure(Throwable cause);

  @Override
  public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
    writer.wakeWaiters();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public final void channelInactive(ChannelHandlerContext ctx) {
    onClosed();
    discardBacklog();
    writer.wakeWaiters();
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    onFailure(cause);
    ctx.close();
  }
}
