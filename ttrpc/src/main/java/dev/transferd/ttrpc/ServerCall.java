package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream on the server: its handler's run, its inbound queue and its single ending.
 *
 * <p>Threads: the event loop delivers frames ({@link #offer}, {@link #remoteClose}) and may cancel
 * ({@link #fail}, deadline expiry); the handler runs on its own virtual thread. Sends may come from
 * any thread. Exactly one final frame is written, guarded by {@code sendLock}: after it, sends fail
 * and late results are dropped. Cancelling interrupts the handler's thread.
 *
 * <p>Inbound messages either wait in the bounded queue for {@link #receive}, or, once the handler
 * has installed a {@link StreamListener}, go to it straight from the event loop: the queue then
 * only holds what the listener refused, and only the event loop touches it.
 */
final class ServerCall<Q extends MessageLite, R extends MessageLite>
    implements Runnable, ServerStream<Q, R> {
  private static final Object END = new Object();

  /** Wakes a receiver blocked on the queue when the call is cancelled. */
  private static final Object CANCELLED = new Object();

  private final ServerConnection connection;
  private final int streamId;
  private final TtrpcServer.ServerMethod<Q, R> method;
  private final MethodType type;
  private final CallContext context;
  private final int queueCapacity;
  // Messages from the client (byte[]), then END. One slot more than the capacity, for END.
  private final ArrayBlockingQueue<Object> inbound;
  private final ReentrantLock sendLock = new ReentrantLock();

  private ByteString firstMessage; // the Request payload, when Go's rule delivers it
  private boolean receivedEnd; // handler thread only
  private boolean remoteClosed; // event loop only
  private boolean finished; // guarded by sendLock
  private volatile Status cancelled;
  private volatile Thread thread;
  private volatile StreamListener<Q> listener;
  private final java.util.concurrent.atomic.AtomicBoolean endDelivered =
      new java.util.concurrent.atomic.AtomicBoolean();
  private ScheduledFuture<?> deadlineTimer;

  ServerCall(
      ServerConnection connection,
      int streamId,
      TtrpcServer.ServerMethod<Q, R> method,
      Metadata metadata,
      long deadlineNanos,
      boolean hasDeadline,
      int queueCapacity) {
    this.connection = connection;
    this.streamId = streamId;
    this.method = method;
    this.type = method.descriptor().type();
    this.queueCapacity = queueCapacity;
    this.inbound = type.clientStreams() ? new ArrayBlockingQueue<>(queueCapacity + 1) : null;
    this.context =
        new CallContext(
            method.descriptor(),
            metadata,
            deadlineNanos,
            hasDeadline,
            connection.peer(),
            () -> cancelled,
            java.util.Map.of());
  }

  int streamId() {
    return streamId;
  }

  MethodType type() {
    return type;
  }

  void setFirstMessage(ByteString payload) {
    if (type.clientStreams()) {
      inbound.add(payload.toByteArray());
    } else {
      firstMessage = payload;
    }
  }

  void setDeadlineTimer(ScheduledFuture<?> timer) {
    this.deadlineTimer = timer;
  }

  // ---- event loop side ----

  boolean isRemoteClosed() {
    return remoteClosed;
  }

  boolean hasRoom() {
    return inbound.size() < queueCapacity;
  }

  /** Queues or delivers a client message; the caller has checked {@link #hasRoom()}. */
  void offer(byte[] message) {
    StreamListener<Q> l = listener;
    if (l != null && inbound.isEmpty()) {
      // The common case with a listener: straight to it, the queue untouched.
      Q parsed;
      try {
        parsed = parse(message);
      } catch (TtrpcException e) {
        fail(e.status());
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

  void remoteClose() {
    remoteClosed = true;
    inbound.offer(END);
    if (listener != null) {
      flush();
    }
  }

  /**
   * Offers queued messages to the listener until it refuses one or the queue is empty. Event loop
   * only.
   */
  private void flush() {
    StreamListener<Q> l = listener;
    if (l == null || endDelivered.get()) {
      return;
    }
    boolean took = false;
    try {
      Object next;
      while ((next = inbound.peek()) != null) {
        if (next == END) {
          inbound.poll();
          deliverEnd(Status.OK);
          return;
        }
        if (next == CANCELLED) {
          inbound.poll();
          continue;
        }
        Q parsed;
        try {
          parsed = parse((byte[]) next);
        } catch (TtrpcException e) {
          inbound.clear();
          fail(e.status());
          return;
        }
        if (!l.onMessage(parsed)) {
          return;
        }
        inbound.poll();
        took = true;
      }
    } finally {
      if (took) {
        connection.consumed(); // reading may have paused on this queue
      }
    }
  }

  private void deliverEnd(Status status) {
    StreamListener<Q> l = listener;
    if (l != null && endDelivered.compareAndSet(false, true)) {
      l.onEnd(status);
    }
  }

  /** Ends the call with an error sent to the client, and cancels the handler. */
  void fail(Status status) {
    cancel(status, true);
  }

  /** Cancels the handler without writing anything (the client is gone). */
  void abandon(Status status) {
    cancel(status, false);
  }

  private void cancel(Status status, boolean respond) {
    if (cancelled == null) {
      cancelled = status;
    }
    if (respond) {
      finish(connection.encoder().error(streamId, status));
    } else {
      finish(null);
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    if (inbound != null) {
      inbound.offer(CANCELLED); // for a receive() on another thread; dropped when the queue is full
    }
    deliverEnd(status);
  }

  // ---- handler side ----

  @Override
  public void run() {
    thread = Thread.currentThread();
    if (cancelled != null) {
      return;
    }
    CallContext.setCurrent(context);
    try {
      R result;
      if (type == MethodType.UNARY) {
        result = method.unary().handle(context, parse(firstMessage));
      } else {
        result = method.stream().handle(context, this);
      }
      complete(result);
    } catch (Throwable t) {
      Status s = cancelled != null ? cancelled : Status.fromThrowable(t);
      if (!(t instanceof TtrpcException) && cancelled == null) {
        connection.logHandlerFailure(method.descriptor(), t);
      }
      finishWithError(s);
    } finally {
      CallContext.setCurrent(null);
      thread = null;
      Thread.interrupted();
    }
  }

  private void complete(R result) {
    ByteBuf frame;
    try {
      if (type.serverStreams()) {
        frame =
            result == null
                ? connection.encoder().data(streamId, Protocol.FLAGS_CLOSE, null)
                : connection.encoder().data(streamId, Protocol.FLAG_REMOTE_CLOSED, result);
      } else if (result == null) {
        // Go's wording for a handler that returned nothing.
        frame =
            connection
                .encoder()
                .error(streamId, Status.of(StatusCode.UNKNOWN, "ttrpc: marshal called with nil"));
      } else {
        frame = connection.encoder().response(streamId, result);
      }
    } catch (TtrpcException e) {
      // An oversized result: the client gets RESOURCE_EXHAUSTED on this stream (Go would drop the
      // whole connection here).
      finishWithError(e.status());
      return;
    }
    finish(frame);
  }

  private void finishWithError(Status status) {
    finish(connection.encoder().error(streamId, status));
  }

  /** Writes the final frame (or nothing, for null) once; later attempts release theirs. */
  private void finish(ByteBuf frame) {
    sendLock.lock();
    try {
      if (finished) {
        if (frame != null) {
          frame.release();
        }
        return;
      }
      finished = true;
      if (frame != null) {
        connection.writer().write(frame);
      }
    } finally {
      sendLock.unlock();
    }
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
    }
    connection.callEnded(this);
  }

  @Override
  public Q receive() {
    if (!type.clientStreams()) {
      if (firstMessage == null) {
        return null;
      }
      ByteString first = firstMessage;
      firstMessage = null;
      return parse(first);
    }
    if (listener != null) {
      throw new IllegalStateException("messages of this stream go to its listener");
    }
    if (receivedEnd) {
      return null;
    }
    if (cancelled != null) {
      throw cancellation();
    }
    Object next;
    try {
      next = inbound.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cancellation();
    }
    if (next == CANCELLED) {
      throw cancellation();
    }
    if (next == END) {
      receivedEnd = true;
      return null;
    }
    connection.consumed();
    return parse((byte[]) next);
  }

  @Override
  public StreamListener.Delivery listen(StreamListener<Q> newListener) {
    java.util.Objects.requireNonNull(newListener, "listener");
    if (!type.clientStreams()) {
      throw new IllegalStateException(
          method.descriptor().fullMethod() + " is " + type + ": it takes no client stream");
    }
    if (listener != null) {
      throw new IllegalStateException("this stream already has a listener");
    }
    listener = newListener;
    Status s = cancelled;
    if (s != null) {
      deliverEnd(s);
    }
    // What arrived before now waits in the queue, which only the event loop touches from here on.
    connection.onEventLoop(this::flush);
    return this::resumeDelivery;
  }

  private void resumeDelivery() {
    connection.onEventLoop(this::flush);
  }

  @Override
  public void send(R message) {
    if (!type.serverStreams()) {
      throw new IllegalStateException(
          method.descriptor().fullMethod() + " is " + type + ": return the response instead");
    }
    ByteBuf frame = connection.encoder().data(streamId, (byte) 0, message);
    try {
      // The event loop never waits (it is what makes the connection writable again).
      if (!connection.inEventLoop() && !connection.writer().awaitWritable(Long.MAX_VALUE)) {
        throw cancellation();
      }
    } catch (InterruptedException e) {
      frame.release();
      Thread.currentThread().interrupt();
      throw cancellation();
    }
    sendLock.lock();
    try {
      if (finished) {
        frame.release();
        throw cancellation();
      }
      connection.writer().write(frame);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public CallContext context() {
    return context;
  }

  private TtrpcException cancellation() {
    Status s = cancelled;
    return (s != null ? s : Status.of(StatusCode.CANCELLED, "call has ended")).asException();
  }

  private Q parse(ByteString payload) {
    try {
      return method.descriptor().requestParser().parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  private Q parse(byte[] payload) {
    try {
      // The array is ours alone and never changes: let bytes fields alias it rather than copy.
      CodedInputStream in = UnsafeByteOperations.unsafeWrap(payload).newCodedInput();
      in.enableAliasing(true);
      return method.descriptor().requestParser().parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  private static TtrpcException unmarshalError(InvalidProtocolBufferException e) {
    return new TtrpcException(
        StatusCode.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage());
  }
}
