package dev.transferd.ttrpc;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Delivers decoded frames in wire order, and pauses the connection's reads (never the event loop
 * thread) while one stream's bounded queue is full.
 *
 * <p>When {@link #dispatch} cannot place a message because its stream's queue is full, reading
 * stops and frames already decoded wait in a backlog. Reading resumes as soon as the stream's
 * consumer takes a message ({@link #consumed}), so a producer faster than its consumer is slowed to
 * the consumer's pace through the socket buffers. If the consumer takes nothing within the grace
 * period, that stream fails (as Go ttrpc fails it after one second) and the others go on. Event
 * loop only, except {@link #consumed}.
 */
abstract class InboundDispatcher extends ChannelInboundHandlerAdapter {
  private final ArrayDeque<Object> backlog = new ArrayDeque<>();
  private final long graceNanos;
  private final Runnable resume = () -> drain(false);
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> graceTimer;
  private volatile boolean stalled;
  private boolean discarded;

  InboundDispatcher(long graceNanos) {
    this.graceNanos = graceNanos;
  }

  /**
   * Delivers one decoded frame ({@link InboundFrame} or {@link OversizedFrame}).
   *
   * @param force the grace period is over: a full queue must fail its stream now
   * @return false, without consuming the frame, when its stream's queue is full
   */
  abstract boolean dispatch(Object msg, boolean force);

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarded) {
      release(msg);
      return;
    }
    backlog.addLast(msg);
    if (!stalled) {
      drain(false);
    }
  }

  /** A consumer took a message from a stream queue: resume reading if it was waiting on one. */
  final void consumed() {
    if (stalled) {
      ctx.channel().eventLoop().execute(resume);
    }
  }

  private void drain(boolean force) {
    Object msg;
    // Taken off the backlog before dispatch, so that a dispatch that throws (its frame released)
    // or that closes the channel (the backlog discarded) can never see or release it twice.
    while ((msg = backlog.pollFirst()) != null) {
      if (!dispatch(msg, force)) {
        if (discarded) {
          release(msg);
          return;
        }
        backlog.addFirst(msg);
        stall();
        return;
      }
      force = false;
    }
    if (stalled) {
      stalled = false;
      graceTimer.cancel(false);
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void stall() {
    if (!stalled) {
      stalled = true;
      ctx.channel().config().setAutoRead(false);
      graceTimer =
          ctx.channel().eventLoop().schedule(() -> drain(true), graceNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Releases frames never delivered; subclasses call this when the channel goes inactive. */
  final void discardBacklog() {
    discarded = true;
    Object msg;
    while ((msg = backlog.pollFirst()) != null) {
      release(msg);
    }
    if (graceTimer != null) {
      graceTimer.cancel(false);
    }
  }

  private static void release(Object msg) {
    ReferenceCountUtil.release(msg); // an InboundFrame releases its payload; others are no-ops
  }
}
