package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One call on the client, unary or streaming. The event loop fills its bounded inbound queue; the
 * caller takes from it. Once a final frame (Response, Data close, failure or local cancel) is
 * queued, the call is {@code ended}: it leaves the connection's table and later frames for its id
 * are dropped, as Go's client drops frames on inactive streams.
 *
 * <p>Inbound messages and the ending go through the call's {@link CallInbox}, to {@code receive()}
 * or to a {@link StreamListener}.
 */
final class ClientCall<Q extends MessageLite, R extends MessageLite> implements ClientStream<Q, R> {
  private final MethodDescriptor<Q, R> method;
  private final MethodType type;
  private final long deadlineNanos;
  private final boolean hasDeadline;
  private final int queueCapacity;
  private final ReentrantLock sendLock = new ReentrantLock();

  private volatile ClientConnection connection;
  private volatile CallInbox<R> inbox;
  private volatile int streamId;
  private volatile boolean ended;
  private boolean sendClosed; // guarded by sendLock
  private Status failure; // receiver side, sticky
  private boolean receivedEnd; // receiver side

  ClientCall(
      MethodDescriptor<Q, R> method, long deadlineNanos, boolean hasDeadline, int queueCapacity) {
    this.method = method;
    this.type = method.type();
    this.deadlineNanos = deadlineNanos;
    this.hasDeadline = hasDeadline;
    this.queueCapacity = type.serverStreams() ? queueCapacity : 1;
  }

  /** The call has its stream id on {@code connection}; before its opening frame is written. */
  void opened(ClientConnection connection, int streamId) {
    this.inbox =
        new CallInbox<>(
            connection,
            queueCapacity,
            method.responseParser(),
            "response of " + method.fullMethod(),
            this::onFailure);
    this.connection = connection;
    this.streamId = streamId;
  }

  int streamId() {
    return streamId;
  }

  // ---- event loop side ----

  void onResponse(Status status, ByteString payload) {
    if (!status.isOk()) {
      terminate(new CallInbox.Ending(status, null));
    } else {
      // A streaming call's empty final payload is no message (Go sends it that way).
      boolean none = type.serverStreams() && payload.isEmpty();
      terminate(new CallInbox.Ending(Status.OK, none ? null : payload));
    }
  }

  /**
   * Queues a Data frame's message; false, consuming nothing, when the queue is full and {@code
   * force} is not set (the connection pauses reading until {@link #receive} makes room).
   */
  boolean onData(InboundFrame frame, boolean force) {
    if (!type.serverStreams()) {
      onFailure(
          Status.of(
              StatusCode.INTERNAL,
              "ttrpc: protocol error: data frame on a "
                  + type
                  + " stream of "
                  + method.fullMethod()));
      return true;
    }
    if (!frame.hasFlag(Protocol.FLAG_NO_DATA)) {
      if (!inbox.hasRoom()) {
        if (!force) {
          return false;
        }
        onFailure(
            Status.of(
                StatusCode.RESOURCE_EXHAUSTED,
                "ttrpc: stream buffer full: "
                    + queueCapacity
                    + " messages of "
                    + method.fullMethod()
                    + " not received in time"));
        return true;
      }
      inbox.offer(frame.takeBytes());
    }
    if (frame.hasFlag(Protocol.FLAG_REMOTE_CLOSED)) {
      terminate(CallInbox.Ending.OK);
    }
    return true;
  }

  void onFailure(Status status) {
    terminate(new CallInbox.Ending(status, null));
  }

  private void terminate(CallInbox.Ending ending) {
    if (ended) {
      return;
    }
    ended = true;
    ClientConnection c = connection;
    if (c != null) {
      inbox.end(ending);
      c.remove(this);
    }
  }

  // ---- caller side ----

  @Override
  public StreamListener.Delivery listen(StreamListener<R> newListener) {
    Objects.requireNonNull(newListener, "listener");
    if (inbox.isListening()) {
      throw new IllegalStateException("this call already has a listener");
    }
    if (hasDeadline && !ended) {
      // receive() enforces the deadline while waiting; a listener has nobody waiting.
      var timer =
          connection.schedule(
              () ->
                  onFailure(
                      Status.of(
                          StatusCode.DEADLINE_EXCEEDED,
                          "deadline exceeded waiting for " + method.fullMethod())),
              deadlineNanos - System.nanoTime());
      newListener = new CancelTimerOnEnd<>(newListener, timer);
    }
    return inbox.listen(newListener, null);
  }

  /** Stops the deadline timer once the listener has seen the end. */
  private record CancelTimerOnEnd<M>(StreamListener<M> inner, Future<?> timer)
      implements StreamListener<M> {
    @Override
    public boolean onMessage(M message) {
      return inner.onMessage(message);
    }

    @Override
    public void onEnd(Status status) {
      timer.cancel(false);
      inner.onEnd(status);
    }
  }

  @Override
  public R receive() {
    if (inbox.isListening()) {
      throw new IllegalStateException("messages of this call go to its listener");
    }
    if (failure != null) {
      throw failure.asException();
    }
    if (receivedEnd) {
      return null;
    }
    Object next;
    try {
      next = inbox.next(hasDeadline ? deadlineNanos : Long.MAX_VALUE);
      if (next == null) {
        onFailure(
            Status.of(
                StatusCode.DEADLINE_EXCEEDED,
                "deadline exceeded waiting for " + method.fullMethod()));
        next = inbox.nextNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      onFailure(Status.of(StatusCode.CANCELLED, "interrupted waiting for " + method.fullMethod()));
      next = inbox.nextNow();
    }
    if (next instanceof byte[] message) {
      return inbox.parse(message);
    }
    receivedEnd = true;
    CallInbox.Ending ending = (CallInbox.Ending) next;
    if (!ending.status().isOk()) {
      failure = ending.status();
      throw failure.asException();
    }
    return ending.last() == null ? null : inbox.parse(ending.last());
  }

  @Override
  public void send(Q message) {
    if (!type.clientStreams()) {
      throw new IllegalStateException(method.fullMethod() + " is " + type + ": it takes no stream");
    }
    ClientConnection c = connection;
    ByteBuf frame = c.encoder().data(streamId, (byte) 0, message);
    // Wait for room outside the lock, so a send from the event loop (which never waits: it is what
    // makes the connection writable again) is never stuck behind a waiting one.
    try {
      if (!c.inEventLoop()
          && !c.writer().awaitWritable(hasDeadline ? deadlineNanos : Long.MAX_VALUE)) {
        frame.release();
        onFailure(
            Status.of(
                StatusCode.DEADLINE_EXCEEDED,
                "deadline exceeded sending to " + method.fullMethod()));
        throw new TtrpcException(
            StatusCode.DEADLINE_EXCEEDED, "deadline exceeded sending to " + method.fullMethod());
      }
    } catch (InterruptedException e) {
      frame.release();
      Thread.currentThread().interrupt();
      throw new TtrpcException(
          StatusCode.CANCELLED, "interrupted sending to " + method.fullMethod());
    }
    sendLock.lock();
    try {
      if (sendClosed) {
        frame.release();
        throw new IllegalStateException("closeSend() was already called on " + method.fullMethod());
      }
      if (ended) {
        // Never send Data on a stream the server has finished: old Go servers crash on it.
        frame.release();
        throw new TtrpcException(
            StatusCode.FAILED_PRECONDITION, "stream of " + method.fullMethod() + " has ended");
      }
      c.writer().write(frame);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public void closeSend() {
    if (!type.clientStreams()) {
      return;
    }
    sendLock.lock();
    try {
      if (sendClosed) {
        return;
      }
      sendClosed = true;
      if (!ended) {
        ClientConnection c = connection;
        c.writer().write(c.encoder().data(streamId, Protocol.FLAGS_CLOSE, null));
      }
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public void cancel() {
    onFailure(Status.of(StatusCode.CANCELLED, "call to " + method.fullMethod() + " cancelled"));
  }
}
