package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's end of one Streaming call. ttrpc delivers the server's messages from the
 * connection's I/O thread past the {@link ArrivalWatcher}, if any, into an {@link Inbox} until the
 * server ends the call, so the stream can be polled and waited on with a timeout like the server's
 * end. Sends may come from any thread; none holds a lock while it waits for the connection.
 */
final class ClientAnyStream extends InboxStream {
  private static final Logger log = LoggerFactory.getLogger(ClientAnyStream.class);
  private static final long ENDING_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  private final ClientStream<Any, Any> call;
  private volatile boolean sendClosed;

  ClientAnyStream(String namespace, String id, ClientStream<Any, Any> call, long inboxCapacity) {
    super(namespace, id, inboxCapacity);
    this.call = call;
  }

  /** Starts delivery of the server's messages; call once, right after the call is opened. */
  void start() {
    delivering(call.listen(listener()));
  }

  @Override
  void inboundEnded(Status status) {
    inbox.end(status);
  }

  @Override
  public void send(Any message) {
    if (sendClosed) {
      throw closedForSending();
    }
    try {
      call.send(message);
    } catch (IllegalStateException e) {
      throw closedForSending(); // closed by another thread meanwhile
    } catch (TtrpcException e) {
      throw endedBecause(e);
    }
  }

  private TtrpcException closedForSending() {
    return new TtrpcException(
        StatusCode.FAILED_PRECONDITION, "stream " + id + " is closed for sending");
  }

  /**
   * Why a send failed: the call's own ending (e.g. the server's CANCELLED) rather than ttrpc's
   * generic "has ended", once it has been recorded; it is already on its way.
   */
  private TtrpcException endedBecause(TtrpcException sendFailure) {
    if (sendFailure.code() != StatusCode.FAILED_PRECONDITION || onDeliveryThread()) {
      // Not about the call having ended (e.g. an oversized message); or we are the I/O thread (an
      // arrival watcher granting credit), which must not wait and delivers the ending itself.
      return sendFailure;
    }
    try {
      Status ending = inbox.awaitEnding(ENDING_WAIT_NANOS);
      return ending == null || ending.isOk() ? sendFailure : ending.asException(sendFailure);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return sendFailure;
    }
  }

  @Override
  public void close() {
    closeSend();
  }

  private void closeSend() {
    if (!sendClosed) {
      sendClosed = true;
      call.closeSend(); // idempotent
    }
  }

  /**
   * {@inheritDoc} Sends the abort marker unless this side is already closed; a send in progress on
   * another thread may still go out before it.
   */
  @Override
  public void fail(Status status) {
    if (!sendClosed) {
      try {
        call.send(StreamingProtocol.abort(status));
      } catch (RuntimeException e) {
        log.debug("could not tell the server that {} failed: {}", this, e.toString());
      }
    }
    cancel();
  }

  @Override
  public void cancel() {
    closeSend();
    inbox.discard(Status.of(StatusCode.CANCELLED, "stream " + id + " was cancelled"));
    call.cancel();
  }

  /** Waits for the server's acknowledgement of the StreamInit. */
  void awaitAck(Duration timeout) throws InterruptedException {
    Any ack;
    try {
      ack = receive(timeout);
    } catch (TimeoutException e) {
      cancel();
      throw new TtrpcException(
          StatusCode.DEADLINE_EXCEEDED,
          "no acknowledgement for stream " + id + " within " + timeout.toMillis() + " ms");
    }
    if (ack == null) {
      throw new TtrpcException(
          StatusCode.UNAVAILABLE,
          "stream " + id + " ended by the server before it was acknowledged");
    }
    // containerd's client ignores the ack's content; so do we.
  }

  @Override
  public String toString() {
    return "stream " + id;
  }
}
