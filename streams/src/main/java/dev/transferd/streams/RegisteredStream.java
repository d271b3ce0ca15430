package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of one Streaming call, registered under (namespace, id).
 *
 * <p>The call's own handler thread is the pump: it shows every client message to the {@link
 * ArrivalWatcher}, if any, and queues it in the {@link Inbox}, so messages that arrive before a
 * consumer attaches are kept, and a consumer can poll and wait with a timeout. A consumer (a
 * Transfer handler) ends the call with {@link #close} or {@link #fail}: that records the ending,
 * interrupts the pump, whose handler then returns OK or throws the status, and waits for it, so the
 * call's final frame precedes anything the consumer writes next. If the call ends first (client
 * gone, deadline, server shutdown), the consumer sees that status after the messages already
 * queued.
 */
final class RegisteredStream extends InboxStream {
  private static final Logger log = LoggerFactory.getLogger(RegisteredStream.class);
  private static final Duration FINAL_FRAME_WAIT = Duration.ofSeconds(5);

  private final CallContext context;
  private final ServerStream<Any, Any> call;
  private final Thread pump;
  private final ReentrantLock sendLock = new ReentrantLock();
  private final CompletableFuture<Status> ending = new CompletableFuture<>();

  RegisteredStream(
      String namespace,
      String id,
      CallContext context,
      ServerStream<Any, Any> call,
      long inboxCapacityBytes) {
    super(namespace, id, inboxCapacityBytes);
    this.context = context;
    this.call = call;
    this.pump = Thread.currentThread();
  }

  @Override
  public void send(Any message) {
    Status ended = ending.getNow(null);
    if (ended != null) {
      throw new TtrpcException(
          StatusCode.FAILED_PRECONDITION, "stream " + id + " has ended: " + ended);
    }
    // ServerStream takes sends from one thread besides its handler at a time.
    sendLock.lock();
    try {
      call.send(message);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public void close() {
    end(Status.OK);
  }

  @Override
  public void fail(Status status) {
    end(status.isOk() ? Status.of(StatusCode.UNKNOWN, "stream failed") : status);
  }

  @Override
  public void cancel() {
    end(Status.of(StatusCode.CANCELLED, "stream " + id + " cancelled by the server"));
  }

  /**
   * Records the ending, wakes the pump and waits until the call's handler has finished, so its
   * final frame is queued on the connection before anything the caller writes next: an export's end
   * goes out before the Transfer response (spec §5.6).
   */
  private void end(Status status) {
    if (!ending.complete(status)) {
      return;
    }
    inbox.discard(Status.of(StatusCode.CANCELLED, "stream " + id + " was closed by the server"));
    pump.interrupt();
    if (Thread.currentThread() == pump) {
      return;
    }
    try {
      // The handler only returns or throws once woken; ttrpc then writes its frame at once.
      if (!pump.join(FINAL_FRAME_WAIT)) {
        log.warn("{}: call handler still running {} after its end", this, FINAL_FRAME_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether a consumer has closed or failed the stream, or its call has ended. */
  boolean hasEnded() {
    return ending.isDone();
  }

  // ---- the call's handler thread ----

  /** Acknowledges the registration; runs on the handler thread before pumping. */
  void acknowledge() {
    send(StreamingProtocol.ack());
  }

  /**
   * Reads the client's messages into the inbox until the client ends its side, then waits for the
   * consumer's ending. Runs on the call's handler thread.
   *
   * @return null for the handler to end the call with OK
   * @throws TtrpcException the status to end the call with
   */
  Any pumpUntilEnded() {
    try {
      Any message;
      while ((message = call.receive()) != null) {
        if (!arrived(message)) {
          break; // a consumer ended the stream: the inbox takes nothing more
        }
      }
      inbox.end(Status.OK);
      return result(ending.get());
    } catch (InterruptedException | ExecutionException | RuntimeException e) {
      Status local = ending.getNow(null);
      if (local != null) {
        return result(local);
      }
      // The call itself ended under us: report why to the consumer, after what is queued.
      Status why = context.cancellation().orElseGet(() -> statusOf(e));
      ending.complete(why);
      inbox.end(why);
      throw why.asException();
    }
  }

  private static Any result(Status status) {
    if (status.isOk()) {
      return null;
    }
    throw status.asException();
  }

  private static Status statusOf(Exception e) {
    return switch (e) {
      case TtrpcException t -> t.status();
      case InterruptedException i -> Status.of(StatusCode.CANCELLED, "stream call interrupted");
      default -> Status.fromThrowable(e);
    };
  }

  @Override
  public String toString() {
    return "stream " + id + (namespace.isEmpty() ? "" : " in namespace " + namespace);
  }
}
