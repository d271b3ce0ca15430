package dev.transferd.streams;

import com.google.protobuf.Any;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * What both ends of a Streaming call share: the id and namespace, the {@link Inbox} a pump fills
 * and consumers receive from, and the {@link ArrivalWatcher} each arriving message is shown to
 * first. Sending and ending differ between the client's end and the server's.
 */
abstract class InboxStream implements AnyStream {
  protected final String namespace;
  protected final String id;
  protected final Inbox inbox;
  private volatile ArrivalWatcher watcher;

  InboxStream(String namespace, String id, long inboxCapacityBytes) {
    this.namespace = namespace;
    this.id = id;
    this.inbox = new Inbox(inboxCapacityBytes);
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
    if (this.watcher != null) {
      throw new IllegalStateException(this + " already has an arrival watcher");
    }
    this.watcher = watcher;
  }

  /**
   * The pump's step for one message from the peer: shown to the watcher, then queued.
   *
   * @return false when the inbox takes nothing more (this end was ended or discarded locally)
   */
  final boolean arrived(Any message) throws InterruptedException {
    ArrivalWatcher w = watcher;
    if (w != null) {
      w.arrived(message);
    }
    return inbox.put(message);
  }

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
