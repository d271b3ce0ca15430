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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of one Streaming call, registered under (namespace, id).
 *
 * <p>ttrpc delivers every client message from the connection's I/O thread past the {@link
 * ArrivalWatcher}, if any, into the {@link Inbox}, so messages that arrive before a consumer
 * attaches are kept, and a consumer can poll and wait with a timeout. The call's own handler thread
 * only waits for the ending. A consumer (a Transfer handler) ends the call with {@link #close} or
 * {@link #fail}: that records the ending, wakes the handler, which then returns OK or throws the
 * status, and waits for it, so the call's final frame precedes anything the consumer writes next.
 * If the call ends first (client gone, deadline, server shutdown), the consumer sees that status
 * after the messages already queued.
 */
final class RegisteredStream extends InboxStream {
  private static final Logger log = LoggerFactory.getLogger(RegisteredStream.class);
  private static final Duration FINAL_FRAME_WAIT = Duration.ofSeconds(5);

  private final CallContext context;
  private final ServerStream<Any, Any> call;
  private final Thread handler;
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
    this.handler = Thread.currentThread();
  }

  @Override
  public void send(Any message) {
    Status ended = ending.getNow(null);
    if (ended != null) {
      // Sending after our own clean end is the caller's mistake; after a failure (the client went
      // away, the call was cancelled) the sender learns that failure, whichever it notices first.
      throw new TtrpcException(
          ended.isOk() ? StatusCode.FAILED_PRECONDITION : ended.code(),
          "stream " + id + " has ended: " + ended);
    }
    call.send(message); // thread-safe; never waits on the I/O thread
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
   * Records the ending, wakes the handler and waits until it has finished, so its final frame is
   * queued on the connection before anything the caller writes next: an export's end goes out
   * before the Transfer response (docs/protocol/transfer.md §5.6). From the I/O thread (an arrival
   * watcher) it does not wait.
   */
  private void end(Status status) {
    if (!ending.complete(status)) {
      return;
    }
    inbox.discard(Status.of(StatusCode.CANCELLED, "stream " + id + " was closed by the server"));
    if (Thread.currentThread() == handler || onDeliveryThread()) {
      return;
    }
    try {
      // The handler returns or throws once woken; ttrpc then writes its frame at once.
      if (!handler.join(FINAL_FRAME_WAIT)) {
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

  /** Acknowledges the registration; runs on the handler thread, after {@link #deliver}. */
  void acknowledge() {
    send(StreamingProtocol.ack());
  }

  /**
   * Has ttrpc deliver the client's messages into the inbox from now on. Runs on the handler thread
   * before the acknowledgement, so nothing the client sends after it can be missed.
   */
  void deliver() {
    delivering(call.listen(listener()));
  }

  @Override
  void inboundEnded(Status status) {
    if (!status.isOk()) {
      ending.complete(status); // the call itself ended (client gone, deadline, shutdown)
    }
    inbox.end(status); // after the messages already queued
  }

  /**
   * Waits until the stream is ended by a consumer or the call ends. Runs on the call's handler
   * thread.
   *
   * @return null for the handler to end the call with OK
   * @throws TtrpcException the status to end the call with
   */
  Any awaitEnding() {
    try {
      return result(ending.get());
    } catch (InterruptedException | ExecutionException e) {
      Status local = ending.getNow(null);
      if (local != null) {
        return result(local);
      }
      // The call itself ended under us: report why to the consumer, after what is queued.
      Status why =
          context
              .cancellation()
              .orElseGet(() -> Status.of(StatusCode.CANCELLED, "stream call interrupted"));
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

  @Override
  public String toString() {
    return "stream " + id + (namespace.isEmpty() ? "" : " in namespace " + namespace);
  }
}
