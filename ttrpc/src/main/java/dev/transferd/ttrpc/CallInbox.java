package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A call's inbound side, the same on client and server: the bounded queue the event loop fills and
 * {@code receive()} takes from, or, once a {@link StreamListener} is installed, push delivery to it
 * on the I/O thread.
 *
 * <p>The queue holds messages ({@code byte[]}, parsed only when taken), then at most one {@link
 * Ending}, plus one slot for the marker that wakes a receiver after {@link #abort}. With a
 * listener, a message goes straight to it when nothing waits before it; the queue then holds only
 * what the listener refused and the ending behind them, and only the event loop takes from it.
 * Taking a message tells the connection ({@link Connection#consumed}), which resumes reading if it
 * paused on this queue.
 *
 * @param <M> the inbound message type
 */
final class CallInbox<M> {
  /**
   * The end of the inbound side, queued behind the messages before it.
   *
   * @param last a final message to deliver before the end (a unary Response's payload), or null
   */
  record Ending(Status status, ByteString last) {
    static final Ending OK = new Ending(Status.OK, null);
  }

  /** Wakes a receiver blocked on the queue when the call is aborted; never delivered. */
  static final Object WAKE = new Object();

  private final Connection connection;
  private final int capacity;
  private final ArrayBlockingQueue<Object> queue;
  private final Parser<M> parser;
  private final String unmarshalContext;
  private final Consumer<Status> failCall;
  private final AtomicBoolean endDelivered = new AtomicBoolean();
  private volatile StreamListener<M> listener;

  /**
   * @param capacity messages the queue holds before the connection pauses reading
   * @param unmarshalContext what an unparsable message was, for the error: "response of /svc/M"
   * @param failCall ends the call with a status when a message cannot be parsed
   */
  CallInbox(
      Connection connection,
      int capacity,
      Parser<M> parser,
      String unmarshalContext,
      Consumer<Status> failCall) {
    this.connection = connection;
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity + 2);
    this.parser = parser;
    this.unmarshalContext = unmarshalContext;
    this.failCall = failCall;
  }

  // ---- event loop side ----

  /** Whether a message fits; when not, the caller pauses reading or fails the stream. */
  boolean hasRoom() {
    return queue.size() < capacity;
  }

  /** Queues a message before any consumer exists (a stream's first message, from its Request). */
  void enqueueFirst(byte[] message) {
    queue.add(message);
  }

  /**
   * Queues a message, or hands it straight to the listener when nothing waits before it. Event loop
   * only; the caller has checked {@link #hasRoom()}.
   */
  void offer(byte[] message) {
    StreamListener<M> l = listener;
    if (l != null && queue.isEmpty()) {
      M parsed;
      try {
        parsed = parse(message);
      } catch (TtrpcException e) {
        failCall.accept(e.status());
        return;
      }
      if (l.onMessage(parsed)) {
        return;
      }
    }
    queue.offer(message);
    if (l != null) {
      flush();
    }
  }

  /**
   * Queues the end behind the messages already queued; a listener sees it after them. Any thread;
   * at most once per call (the caller guards that).
   */
  void end(Ending ending) {
    queue.offer(ending);
    if (listener != null) {
      if (connection.inEventLoop()) {
        flush();
      } else {
        connection.onEventLoop(this::flush);
      }
    }
  }

  /**
   * Ends delivery at once with {@code status}, dropping what is queued for a listener, and wakes a
   * receiver blocked on the queue. Any thread.
   */
  void abort(Status status) {
    queue.offer(WAKE); // dropped when the queue is full: the receiver then sees a message first
    deliverEnd(status);
  }

  /**
   * Offers queued messages, then the ending, to the listener until it refuses one. Event loop only
   * (or the caller's thread once the event loop has stopped, one at a time).
   */
  private void flush() {
    StreamListener<M> l = listener;
    if (l == null || endDelivered.get()) {
      return;
    }
    boolean took = false;
    try {
      Object next;
      while ((next = queue.peek()) != null) {
        if (next == WAKE) {
          queue.poll();
          continue;
        }
        if (next instanceof byte[] message) {
          M parsed;
          try {
            parsed = parse(message);
          } catch (TtrpcException e) {
            queue.clear();
            boolean first = endDelivered.compareAndSet(false, true);
            failCall.accept(e.status());
            if (first) {
              l.onEnd(e.status());
            }
            return;
          }
          if (!l.onMessage(parsed)) {
            return;
          }
          queue.poll();
          took = true;
          continue;
        }
        Ending ending = (Ending) next;
        Status status = ending.status();
        if (ending.last() != null) {
          try {
            if (!l.onMessage(parse(ending.last()))) {
              return;
            }
          } catch (TtrpcException e) {
            status = e.status();
          }
        }
        queue.poll();
        deliverEnd(status);
        return;
      }
    } finally {
      if (took) {
        connection.consumed(); // reading may have paused on this queue
      }
    }
  }

  /** Tells the listener, if any and only once, that the inbound side has ended. */
  private void deliverEnd(Status status) {
    StreamListener<M> l = listener;
    if (l != null && endDelivered.compareAndSet(false, true)) {
      l.onEnd(status);
    }
  }

  // ---- consumer side ----

  /** Whether a listener takes the messages (then {@code receive()} must not). */
  boolean isListening() {
    return listener != null;
  }

  /**
   * Installs the listener; what arrived before now is offered to it on the I/O thread, which alone
   * touches the queue from then on.
   *
   * @param endedWith the status the call already ended with, delivered at once; null if running
   */
  StreamListener.Delivery listen(StreamListener<M> newListener, Status endedWith) {
    Objects.requireNonNull(newListener, "listener");
    listener = newListener;
    if (endedWith != null) {
      deliverEnd(endedWith);
    }
    connection.onEventLoop(this::flush);
    return () -> connection.onEventLoop(this::flush);
  }

  /**
   * The next entry for a blocked receiver: a message ({@code byte[]}), an {@link Ending}, or {@link
   * #WAKE}; null if the deadline passed first.
   *
   * @param deadlineNanos a {@link System#nanoTime()} value, or {@link Long#MAX_VALUE} for none
   */
  Object next(long deadlineNanos) throws InterruptedException {
    Object next =
        deadlineNanos == Long.MAX_VALUE
            ? queue.take()
            : queue.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    return taken(next);
  }

  /** The next entry if one is queued now, else null. */
  Object nextNow() {
    return taken(queue.poll());
  }

  private Object taken(Object entry) {
    if (entry instanceof byte[]) {
      connection.consumed();
    }
    return entry;
  }

  // ---- parsing ----

  M parse(ByteString payload) {
    try {
      return parser.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  M parse(byte[] payload) {
    try {
      // The array is ours alone and never changes: let bytes fields alias it rather than copy.
      CodedInputStream in = UnsafeByteOperations.unsafeWrap(payload).newCodedInput();
      in.enableAliasing(true);
      return parser.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw unmarshalError(e);
    }
  }

  private TtrpcException unmarshalError(InvalidProtocolBufferException e) {
    return new TtrpcException(
        StatusCode.INTERNAL,
        "ttrpc: error unmarshalling " + unmarshalContext + ": " + e.getMessage());
  }
}
