package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StreamListener;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both ends of a Streaming call share: the id and namespace, the {@link Inbox} consumers
 * receive from, and the {@link ArrivalWatcher} each arriving message is shown to. ttrpc delivers
 * the call's messages straight from the connection's I/O thread into the inbox ({@link
 * StreamListener}), with no thread of the stream's own in between: a consumer waiting in {@link
 * #receive} is woken by the I/O thread itself, and a watcher's credit goes out before any other
 * thread is scheduled. Sending and ending differ between the client's end and the server's.
 */
abstract class InboxStream implements AnyStream {
  private static final Logger log = LoggerFactory.getLogger(InboxStream.class);

  protected final String namespace;
  protected final String id;
  protected final Inbox inbox;
  private volatile ArrivalWatcher watcher;
  private volatile ArrivalWatcher diversion;
  private volatile StreamListener.Delivery delivery;

  /** The thread delivering messages (the I/O thread), which must never wait; null before any. */
  private volatile Thread deliveryThread;

  InboxStream(String namespace, String id, long inboxCapacityBytes) {
    this.namespace = namespace;
    this.id = id;
    this.inbox = new Inbox(inboxCapacityBytes);
    this.inbox.onResume(
        () -> {
          StreamListener.Delivery d = delivery;
          if (d != null) {
            d.resume();
          }
        });
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final String namespace() {
    return namespace;
  }

  @Override
  public final synchronized void watchArrivals(ArrivalWatcher watcher) {
    if (this.watcher != null || diversion != null) {
      throw new IllegalStateException(this + " already has an arrival watcher");
    }
    this.watcher = watcher;
  }

  @Override
  public final java.util.List<Any> divertArrivals(ArrivalWatcher watcher) {
    synchronized (this) {
      if (this.watcher != null || diversion != null) {
        throw new IllegalStateException(this + " already has an arrival watcher");
      }
      diversion = watcher;
    }
    // Set before diverting: a message the inbox turns away from now on finds the watcher.
    java.util.List<Any> early = inbox.divert();
    Status ending = inbox.ending();
    if (ending != null) {
      watcher.ended(ending);
    }
    return early;
  }

  /**
   * The listener to give ttrpc for this stream's call. Its {@link StreamListener#onEnd} goes to
   * {@link #inboundEnded}.
   */
  final StreamListener<Any> listener() {
    return new StreamListener<>() {
      @Override
      public boolean onMessage(Any message) {
        deliveryThread = Thread.currentThread();
        ArrivalWatcher d = diversion;
        if (d != null) {
          showTo(d, message);
          return true;
        }
        switch (inbox.offer(message)) {
          case REFUSED -> {
            return false; // full: ttrpc keeps it until the consumer has made room
          }
          case DIVERTED -> {
            showTo(diversion, message);
            return true;
          }
          default -> {}
        }
        ArrivalWatcher w = watcher;
        if (w != null) {
          showTo(w, message);
        }
        return true;
      }

      @Override
      public void onEnd(Status status) {
        inboundEnded(status);
        ArrivalWatcher d = diversion;
        if (d != null) {
          d.ended(status);
        }
      }
    };
  }

  private void showTo(ArrivalWatcher w, Any message) {
    try {
      w.arrived(message);
    } catch (RuntimeException e) {
      log.warn("arrival watcher of {} failed", this, e);
    }
  }

  /** Records the call's delivery handle, so the inbox can ask for refused messages again. */
  final void delivering(StreamListener.Delivery d) {
    delivery = d;
    d.resume(); // in case the inbox refused something before the handle was known
  }

  /** Whether the calling thread is the one delivering this stream's messages (must not wait). */
  final boolean onDeliveryThread() {
    return Thread.currentThread() == deliveryThread;
  }

  /**
   * The peer's side has ended: OK after its last message, or the status the call ended with. Called
   * once, from the I/O thread or the thread that ended the call; must not block.
   */
  abstract void inboundEnded(Status status);

  @Override
  public final Any receive() throws InterruptedException {
    return inbox.take();
  }

  @Override
  public final Any receive(Duration timeout) throws InterruptedException, TimeoutException {
    return inbox.take(timeout);
  }

  @Override
  public final Any poll() {
    return inbox.poll();
  }
}
