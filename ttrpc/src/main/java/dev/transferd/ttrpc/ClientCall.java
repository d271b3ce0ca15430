package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One call on the client, unary or streaming. The event loop fills its bounded inbound queue; the
 * caller takes from it. Once a final frame (Response, Data close, failure or local cancel) is
 * queued, the call is {@code ended}: it leaves the connection's table and later frames for its id
 * are dropped, as Go's client drops frames on inactive streams.
 *
 * <p>With a {@link StreamListener} installed, messages go to it straight from the event loop; the
 * queue then holds only what the listener refused, the ending behind them, and only the event loop
 * takes from it.
 */
final class ClientCall<Q extends MessageLite, R extends MessageLite> implements ClientStream<Q, R> {
  private static final Object END = new Object();

  /** An OK Response and its payload. */
  private record Final(ByteString payload) {}

  /** A call ended by an error status, remote or local. */
  private record Failure(Status status) {}

  private final MethodDescriptor<Q, R> method;
  private final MethodType type;
  private final long deadlineNanos;
  private final boolean hasDeadline;
  private final int queueCapacity;
  // Messages (byte[]) and at most one terminal marker, hence the extra slot.
  private final ArrayBlockingQueue<Object> inbound;
  private final java.util.concurrent.locks.ReentrantLock sendLock =
      new java.util.concurrent.locks.ReentrantLock();

  private volatile ClientConnection connection;
  private volatile int streamId;
  private volatile boolean ended;
  private boolean sendClosed; // guarded by sendLock
  private Status failure; // receiver side, sticky
  private boolean receivedEnd; // receiver side
  private volatile StreamListener<R> listener;
  private boolean endDelivered; // event loop only, once listening

  ClientCall(
      MethodDescriptor<Q, R> method, long deadlineNanos, boolean hasDeadline, int queueCapacity) {
    this.method = method;
    this.type = method.type();
    this.deadlineNanos = deadlineNanos;
    this.hasDeadline = hasDeadline;
    this.queueCapacity = type.serverStreams() ? queueCapacity : 1;
    this.inbound = new ArrayBlockingQueue<>(this.queueCapacity + 1);
  }

  void opened(ClientConnection connection, int streamId) {
    this.connection = connection;
    this.streamId = streamId;
  }

  int streamId() {
    return streamId;
  }

  // ---- event loop side ----

  void onResponse(Status status, ByteString payload) {
    terminate(status.isOk() ? new Final(payload) : new Failure(status));
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
      if (inbound.size() >= queueCapacity) {
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
      offer(frame.takeBytes());
    }
    if (frame.hasFlag(Protocol.FLAG_REMOTE_CLOSED)) {
      terminate(END);
    }
    return true;
  }

  /** Queues a message, or hands it straight to the listener when nothing waits before it. */
  private void offer(byte[] message) {
    StreamListener<R> l = listener;
    if (l != null && inbound.isEmpty()) {
      R parsed;
      try {
        parsed = parse(message);
      } catch (TtrpcException e) {
        onFailure(e.status());
        return;
      }
      if (l.onMessage(parsed)) {
        return;
      }
    }
    inbound.offer(message);
    if (l != null) {
      flush();
    }
  }

  /**
   * Offers queued messages, then the ending, to the listener until it refuses one. Event loop only.
   */
  private void flush() {
    StreamListener<R> l = listener;
    if (l == null || endDelivered) {
      return;
    }
    boolean took = false;
    try {
      Object next;
      while ((next = inbound.peek()) != null) {
        if (next instanceof byte[] message) {
          R parsed;
          try {
            parsed = parse(message);
          } catch (TtrpcException e) {
            endDelivered = true;
            inbound.clear();
            onFailure(e.status());
            l.onEnd(e.status());
            return;
          }
          if (!l.onMessage(parsed)) {
            return;
          }
          inbound.poll();
          took = true;
          continue;
        }
        Status ending = Status.OK;
        if (next instanceof Final f && !(type.serverStreams() && f.payload().isEmpty())) {
          try {
            if (!l.onMessage(parse(f.payload()))) {
              return;
            }
          } catch (TtrpcException e) {
            ending = e.status();
          }
        } else if (next instanceof Failure f) {
          ending = f.status();
        }
        inbound.poll();
        endDelivered = true;
        l.onEnd(ending);
        return;
      }
    } finally {
      if (took) {
        connection.consumed(); // reading may have paused on this queue
      }
    }
  }

  void onFailure(Status status) {
    terminate(new Failure(status));
  }

  private void terminate(Object marker) {
    if (ended) {
      return;
    }
    ended = true;
    inbound.offer(marker);
    ClientConnection c = connection;
    if (c != null) {
      c.remove(this);
      if (listener != null) {
        if (c.inEventLoop()) {
          flush();
        } else {
          c.onEventLoop(this::flush);
        }
      }
    }
  }

  // ---- caller side ----

  @Override
  public StreamListener.Delivery listen(StreamListener<R> newListener) {
    java.util.Objects.requireNonNull(newListener, "listener");
    if (listener != null) {
      throw new IllegalStateException("this call already has a listener");
    }
    ClientConnection c = connection;
    listener = newListener;
    if (hasDeadline && !ended) {
      // receive() enforces the deadline while waiting; a listener has nobody waiting.
      var timer =
          c.schedule(
              () ->
                  onFailure(
                      Status.of(
                          StatusCode.DEADLINE_EXCEEDED,
                          "deadline exceeded waiting for " + method.fullMethod())),
              deadlineNanos - System.nanoTime());
      newListener = new CancelTimerOnEnd<>(newListener, timer);
      listener = newListener;
    }
    // What arrived before now waits in the queue, which only the event loop touches from here on.
    c.onEventLoop(this::flush);
    return () -> c.onEventLoop(this::flush);
  }

  /** Stops the deadline timer once the listener has seen the end. */
  private record CancelTimerOnEnd<M>(StreamListener<M> inner, java.util.concurrent.Future<?> timer)
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
    if (listener != null) {
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
      if (hasDeadline) {
        next = inbound.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (next == null) {
          onFailure(
              Status.of(
                  StatusCode.DEADLINE_EXCEEDED,
                  "deadline exceeded waiting for " + method.fullMethod()));
          next = inbound.poll();
        }
      } else {
        next = inbound.take();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      onFailure(Status.of(StatusCode.CANCELLED, "interrupted waiting for " + method.fullMethod()));
      next = inbound.poll();
    }
    if (next instanceof byte[] message) {
      connection.consumed();
      return parse(message);
    }
    receivedEnd = true;
    if (next instanceof Final f) {
      if (type.serverStreams() && f.payload().isEmpty()) {
        return null;
      }
      return parse(f.payload());
    }
    if (next instanceof Failure f) {
      failure = f.status();
      throw failure.asException();
    }
    return null; // END
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

  private R parse(ByteString payload) {
    try {
      return method.responseParser().parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  private R parse(byte[] payload) {
    try {
      CodedInputStream in = UnsafeByteOperations.unsafeWrap(payload).newCodedInput();
      in.enableAliasing(true); // the array is ours alone and never changes
      return method.responseParser().parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  private TtrpcException unmarshalError(InvalidProtocolBufferException e) {
    return new TtrpcException(
        StatusCode.INTERNAL,
        "ttrpc: error unmarshalling response of " + method.fullMethod() + ": " + e.getMessage());
  }
}
