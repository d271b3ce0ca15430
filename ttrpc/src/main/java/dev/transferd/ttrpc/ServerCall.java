package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream on the server: its handler's run, its inbound queue and its single ending.
 *
 * <p>Threads: the event loop delivers frames ({@link #offer}, {@link #remoteClose}) and may cancel
 * ({@link #fail}, deadline expiry); the handler runs on its own virtual thread, or on the event
 * loop itself for a method registered as direct (then cancelling interrupts nothing). Sends may
 * come from any thread. Exactly one final frame is written, guarded by {@code sendLock}: after it,
 * sends fail and late results are dropped. Cancelling interrupts the handler's thread.
 *
 * <p>Inbound messages go through the call's {@link CallInbox}, to {@link #receive} or to a {@link
 * StreamListener} the handler installs.
 */
final class ServerCall<Q extends MessageLite, R extends MessageLite>
    implements Runnable, ServerStream<Q, R> {
  private final ServerConnection connection;
  private final int streamId;
  private final TtrpcServer.ServerMethod<Q, R> method;
  private final MethodType type;
  private final CallContext context;
  private final boolean direct;
  // Client messages for receive() or a listener; null when the client sends no stream.
  private final CallInbox<Q> inbox;
  private final ReentrantLock sendLock = new ReentrantLock();

  private ByteString firstMessage; // the Request payload, when Go's rule delivers it
  private boolean receivedEnd; // handler thread only
  private boolean remoteClosed; // event loop only
  private boolean finished; // guarded by sendLock
  private volatile Status cancelled;
  private volatile Thread thread;
  private Future<?> deadlineTimer;

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
    this.direct = method.direct();
    this.inbox =
        type.clientStreams()
            ? new CallInbox<>(
                connection,
                queueCapacity,
                method.descriptor().requestParser(),
                "payload",
                this::fail)
            : null;
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
      inbox.enqueueFirst(payload.toByteArray());
    } else {
      firstMessage = payload;
    }
  }

  void setDeadlineTimer(Future<?> timer) {
    this.deadlineTimer = timer;
  }

  // ---- event loop side ----

  boolean isRemoteClosed() {
    return remoteClosed;
  }

  boolean hasRoom() {
    return inbox.hasRoom();
  }

  /** Queues or delivers a client message; the caller has checked {@link #hasRoom()}. */
  void offer(byte[] message) {
    inbox.offer(message);
  }

  void remoteClose() {
    remoteClosed = true;
    inbox.end(CallInbox.Ending.OK);
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
    if (inbox != null) {
      inbox.abort(status);
    }
  }

  // ---- handler side ----

  @Override
  public void run() {
    if (!direct) {
      thread = Thread.currentThread(); // cancelling interrupts it; never the I/O thread
    }
    if (cancelled != null) {
      return;
    }
    CallContext.setCurrent(context);
    try {
      R result;
      if (type == MethodType.UNARY) {
        result = method.unary().handle(context, parseFirst());
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
      if (!direct) {
        thread = null;
        Thread.interrupted(); // a cancel's interrupt must not outlive its call on this thread
      }
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
      return parseFirst();
    }
    if (inbox.isListening()) {
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
      next = inbox.next(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cancellation();
    }
    if (next == CallInbox.WAKE) {
      throw cancellation();
    }
    if (next instanceof CallInbox.Ending) {
      receivedEnd = true;
      return null;
    }
    return inbox.parse((byte[]) next);
  }

  /** The Request's payload as the one message of a call whose client sends no stream. */
  private Q parseFirst() {
    ByteString first = firstMessage;
    firstMessage = null;
    try {
      return method.descriptor().requestParser().parseFrom(first);
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcException(
          StatusCode.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage());
    }
  }

  @Override
  public StreamListener.Delivery listen(StreamListener<Q> newListener) {
    Objects.requireNonNull(newListener, "listener");
    if (!type.clientStreams()) {
      throw new IllegalStateException(
          method.descriptor().fullMethod() + " is " + type + ": it takes no client stream");
    }
    if (inbox.isListening()) {
      throw new IllegalStateException("this stream already has a listener");
    }
    return inbox.listen(newListener, cancelled);
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
}
