package dev.transferd.ttrpc;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a server handler knows about its call: method, metadata, deadline, peer, cancellation, and
 * values interceptors attach. Immutable; {@link #with} returns a copy.
 *
 * <p>The handler's thread is interrupted when its call is cancelled (deadline passed, client gone,
 * server shutting down), so blocking code stops; {@link #checkCancelled()} lets long loops stop
 * sooner.
 */
public final class CallContext {
  private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();

  /** A typed key for values attached by interceptors. */
  public static final class Key<T> {
    private final String name;

    private Key(String name) {
      this.name = name;
    }

    public static <T> Key<T> named(String name) {
      return new Key<>(name);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private final MethodDescriptor<?, ?> method;
  private final Metadata metadata;
  private final long deadlineNanos;
  private final boolean hasDeadline;
  private final PeerCredentials peer;
  private final Supplier<Status> cancellation;
  private final Map<Key<?>, Object> values;

  CallContext(
      MethodDescriptor<?, ?> method,
      Metadata metadata,
      long deadlineNanos,
      boolean hasDeadline,
      PeerCredentials peer,
      Supplier<Status> cancellation,
      Map<Key<?>, Object> values) {
    this.method = method;
    this.metadata = metadata;
    this.deadlineNanos = deadlineNanos;
    this.hasDeadline = hasDeadline;
    this.peer = peer;
    this.cancellation = cancellation;
    this.values = values;
  }

  /**
   * The context of a call that another transport (e.g. a gRPC bridge) hands to handlers written for
   * this library. The transport keeps the contract this class states: it interrupts the handler's
   * thread when the call is cancelled and makes {@code cancellation} answer non-null from then on.
   *
   * @param timeout time left until the call's deadline, or null when it has none
   * @param cancellation why the call was cancelled, or null while it is live; read on every check
   */
  public static CallContext of(
      MethodDescriptor<?, ?> method,
      Metadata metadata,
      Duration timeout,
      PeerCredentials peer,
      Supplier<Status> cancellation) {
    java.util.Objects.requireNonNull(method, "method");
    java.util.Objects.requireNonNull(metadata, "metadata");
    java.util.Objects.requireNonNull(peer, "peer");
    java.util.Objects.requireNonNull(cancellation, "cancellation");
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    return new CallContext(
        method, metadata, deadline, timeout != null, peer, cancellation, Map.of());
  }

  /** The context of the call this thread is handling; empty outside a handler. */
  public static Optional<CallContext> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  static void setCurrent(CallContext context) {
    if (context == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(context);
    }
  }

  public MethodDescriptor<?, ?> method() {
    return method;
  }

  public Metadata metadata() {
    return metadata;
  }

  /** The client's credentials as the kernel reported them at connect time. */
  public PeerCredentials peer() {
    return peer;
  }

  /** Time left before the deadline (negative once passed); empty when the call has none. */
  public Optional<Duration> timeRemaining() {
    return hasDeadline
        ? Optional.of(Duration.ofNanos(deadlineNanos - System.nanoTime()))
        : Optional.empty();
  }

  /** Why the call was cancelled, or empty while it is live. */
  public Optional<Status> cancellation() {
    return Optional.ofNullable(cancellation.get());
  }

  public boolean isCancelled() {
    return cancellation.get() != null;
  }

  /** Throws the cancellation status if the call has been cancelled. */
  public void checkCancelled() {
    Status s = cancellation.get();
    if (s != null) {
      throw s.asException();
    }
  }

  @SuppressWarnings("unchecked")
  public <T> Optional<T> get(Key<T> key) {
    return Optional.ofNullable((T) values.get(key));
  }

  /** This context with one more value, for interceptors to pass things to handlers. */
  public <T> CallContext with(Key<T> key, T value) {
    Map<Key<?>, Object> copy = new HashMap<>(values);
    copy.put(key, value);
    return new CallContext(method, metadata, deadlineNanos, hasDeadline, peer, cancellation, copy);
  }

  boolean hasDeadline() {
    return hasDeadline;
  }

  long deadlineNanos() {
    return deadlineNanos;
  }
}
