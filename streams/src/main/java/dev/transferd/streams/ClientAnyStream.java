package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's end of one Streaming call. A virtual thread pumps the server's messages past the
 * {@link ArrivalWatcher}, if any, into an {@link Inbox} until the server ends the call, so the
 * stream can be polled and waited on with a timeout like the server's end. Sends are serialized by
 * a lock. Cancelling interrupts the pump, which belongs to this class alone.
 */
final class ClientAnyStream extends InboxStream {
  private static final Logger log = LoggerFactory.getLogger(ClientAnyStream.class);
  private static final long ENDING_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  private final ClientStream<Any, Any> call;
  private final ReentrantLock sendLock = new ReentrantLock();
  private boolean sendClosed; // guarded by sendLock
  private volatile Thread pump;

  ClientAnyStream(String namespace, String id, ClientStream<Any, Any> call, long inboxCapacity) {
    super(namespace, id, inboxCapacity);
    this.call = call;
  }

  /** Starts the pump; call once, right after the call is opened. */
  void start() {
    pump = Thread.ofVirtual().name("stream-pump-" + id).start(this::pump);
  }

  private void pump() {
    try {
      Any message;
      while ((message = call.receive()) != null) {
        if (!arrived(message)) {
          return; // this end was discarded locally
        }
      }
      inbox.end(Status.OK);
    } catch (TtrpcException e) {
      inbox.end(e.status());
    } catch (InterruptedException e) {
      inbox.end(Status.of(StatusCode.CANCELLED, "stream " + id + " pump interrupted"));
    } catch (RuntimeException e) {
      log.warn("{} stopped reading: {}", this, e.toString());
      inbox.end(Status.fromThrowable(e));
      call.cancel();
    }
  }

  @Override
  public void send(Any message) {
    sendLock.lock();
    try {
      if (sendClosed) {
        throw new TtrpcException(
            StatusCode.FAILED_PRECONDITION, "stream " + id + " is closed for sending");
      }
      try {
        call.send(message);
      } catch (TtrpcException e) {
        throw endedBecause(e);
      }
    } finally {
      sendLock.unlock();
    }
  }

  /**
   * Why a send failed: the call's own ending (e.g. the server's CANCELLED) rather than ttrpc's
   * generic "has ended", once the pump has recorded it; it is already on its way.
   */
  private TtrpcException endedBecause(TtrpcException sendFailure) {
    if (sendFailure.code() != StatusCode.FAILED_PRECONDITION || Thread.currentThread() == pump) {
      // Not about the call having ended (e.g. an oversized message); or we are the pump, which
      // records the ending itself once it returns (an arrival watcher granting credit).
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
    sendLock.lock();
    try {
      if (!sendClosed) {
        sendClosed = true;
        call.closeSend();
      }
    } finally {
      sendLock.unlock();
    }
  }

  /**
   * {@inheritDoc} Never waits for another thread's send: if one is in progress, the marker is left
   * out (that thread is being stopped too, and the call stops being tracked).
   */
  @Override
  public void fail(Status status) {
    if (sendLock.tryLock()) {
      try {
        if (!sendClosed) {
          try {
            call.send(StreamingProtocol.abort(status));
          } catch (RuntimeException e) {
            log.debug("could not tell the server that {} failed: {}", this, e.toString());
          }
        }
      } finally {
        sendLock.unlock();
      }
    }
    cancel();
  }

  @Override
  public void cancel() {
    if (sendLock.tryLock()) {
      try {
        if (!sendClosed) {
          sendClosed = true;
          call.closeSend();
        }
      } finally {
        sendLock.unlock();
      }
    }
    call.cancel();
    inbox.discard(Status.of(StatusCode.CANCELLED, "stream " + id + " was cancelled"));
    Thread p = pump;
    if (p != null && p != Thread.currentThread()) {
      p.interrupt(); // it may be blocked in a watcher rather than in the call
    }
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
