package dev.transferd.plugin.grpc;

import com.google.protobuf.MessageLite;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.MethodType;
import dev.transferd.ttrpc.PeerCredentials;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.UnaryHandler;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerCall;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridged gRPC call as the ttrpc handler sees it: a {@link ServerStream} over grpc-java's
 * {@link ServerCall}, with the call's outcome written once when the handler returns or throws.
 *
 * <p>Threads: grpc-java delivers the call's events (messages, half-close, readiness, cancellation)
 * to {@link #listener()}, which only queues and signals. The handler runs on its own virtual
 * thread; sends and receives may come from it or from a listening pump thread, so every use of the
 * {@code ServerCall} (not thread-safe) holds {@code callLock}.
 *
 * <p>Flow control: the client's messages are requested {@link #WINDOW} ahead and one more as each
 * is taken, so the queue never holds more than that; {@link #send} waits while the transport is not
 * ready, as ttrpc's send waits for a writable channel. Cancellation (client gone, deadline passed,
 * server stopping) interrupts the handler's thread and wakes whatever it waits for.
 */
final class GrpcServerStream<Q extends MessageLite, R extends MessageLite>
    implements ServerStream<Q, R> {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerStream.class);

  /** Client messages requested ahead of the handler. */
  static final int WINDOW = 16;

  private static final Object END = new Object();
  private static final Object CANCELLED = new Object();

  private final ServerCall<Q, R> call;
  private final MethodDescriptor<Q, R> method;
  private final MethodType type;
  private final CallContext context;
  private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
  private final GrpcHandlers registry;
  private final ReentrantLock callLock = new ReentrantLock();
  private final Condition ready = callLock.newCondition();
  private volatile Status cancelled;
  private volatile Thread handler;
  private boolean headersSent; // guarded by callLock
  private boolean closed; // guarded by callLock
  private boolean receivedEnd; // receiving thread only

  GrpcServerStream(
      ServerCall<Q, R> call,
      MethodDescriptor<Q, R> method,
      dev.transferd.ttrpc.Metadata metadata,
      Context grpcContext,
      GrpcHandlers registry) {
    this.call = call;
    this.registry = registry;
    this.method = method;
    this.type = method.type();
    Deadline deadline = grpcContext.getDeadline();
    Duration timeout =
        deadline == null ? null : Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS));
    this.context =
        CallContext.of(method, metadata, timeout, PeerCredentials.UNKNOWN, () -> cancelled);
    grpcContext.addListener(
        c ->
            cancel(
                deadline != null && deadline.isExpired()
                    ? Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
                    : Status.of(StatusCode.CANCELLED, "call cancelled")),
        Runnable::run);
    call.request(type.clientStreams() ? WINDOW : 1);
  }

  /** Takes grpc-java's events for this call; each returns at once. */
  ServerCall.Listener<Q> listener() {
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(Q message) {
        inbound.add(message);
      }

      @Override
      public void onHalfClose() {
        inbound.add(END);
      }

      @Override
      public void onCancel() {
        cancel(Status.of(StatusCode.CANCELLED, "call cancelled by the client"));
      }

      @Override
      public void onReady() {
        signalReady();
      }
    };
  }

  /** Runs the handler and writes the call's outcome; on the call's own thread. */
  void run(UnaryHandler<Q, R> unary, StreamHandler<Q, R> stream) {
    handler = Thread.currentThread();
    registry.started(this);
    try {
      R result;
      if (type == MethodType.UNARY) {
        Q request = receive();
        if (request == null) {
          throw new TtrpcException(StatusCode.INTERNAL, "no request message for a unary call");
        }
        result = unary.handle(context, request);
        if (result == null) {
          throw new TtrpcException(StatusCode.INTERNAL, method.fullMethod() + " gave no response");
        }
      } else {
        result = stream.handle(context, this);
        if (result == null && !type.serverStreams()) {
          throw new TtrpcException(StatusCode.INTERNAL, method.fullMethod() + " gave no response");
        }
      }
      if (result != null) {
        send(result);
      }
      close(Status.OK);
    } catch (Throwable t) {
      if (cancelled != null) {
        return; // gRPC has ended the call already
      }
      if (!(t instanceof TtrpcException)) {
        log.warn("{} failed", method.fullMethod(), t);
      }
      close(Status.fromThrowable(t));
    } finally {
      registry.ended(this);
      handler = null;
      Thread.interrupted();
    }
  }

  /** Ends the call with {@code status} (unless it has ended) and cancels the handler. */
  void fail(Status status) {
    close(status);
    cancel(status);
  }

  @Override
  public Q receive() {
    if (receivedEnd) {
      return null;
    }
    if (cancelled != null) {
      throw cancelled.asException();
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
    if (type.clientStreams()) {
      withCall(() -> call.request(1));
    }
    @SuppressWarnings("unchecked")
    Q message = (Q) next;
    return message;
  }

  @Override
  public void send(R message) {
    callLock.lock();
    try {
      while (!call.isReady()) {
        if (cancelled != null) {
          throw cancellation();
        }
        ready.await();
      }
      if (cancelled != null || closed) {
        throw cancellation();
      }
      if (!headersSent) {
        call.sendHeaders(new io.grpc.Metadata());
        headersSent = true;
      }
      call.sendMessage(message);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cancellation();
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public CallContext context() {
    return context;
  }

  private void close(Status status) {
    withCall(
        () -> {
          if (cancelled == null && !closed) {
            closed = true;
            call.close(GrpcStatuses.toGrpc(status), new io.grpc.Metadata());
          }
        });
  }

  private void cancel(Status status) {
    if (cancelled != null) {
      return;
    }
    cancelled = status;
    inbound.add(CANCELLED);
    Thread t = handler;
    if (t != null) {
      t.interrupt();
    }
    signalReady();
  }

  private void signalReady() {
    callLock.lock();
    try {
      ready.signalAll();
    } finally {
      callLock.unlock();
    }
  }

  private void withCall(Runnable action) {
    callLock.lock();
    try {
      action.run();
    } finally {
      callLock.unlock();
    }
  }

  private TtrpcException cancellation() {
    Status s = cancelled;
    return (s != null ? s : Status.of(StatusCode.CANCELLED, "call has ended")).asException();
  }
}
