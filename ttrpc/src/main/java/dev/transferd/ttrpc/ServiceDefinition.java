package dev.transferd.ttrpc;

import com.google.protobuf.MessageLite;
import java.util.LinkedHashMap;
import java.util.Map;

/** A service's methods and their handlers, registered with a {@link TtrpcServer}. */
public final class ServiceDefinition {
  /**
   * A method bound to its handler; exactly one of the two handlers is set. {@code direct}: the
   * handler runs on the connection's I/O thread (see {@link Builder#unaryDirect}).
   */
  record BoundMethod<Q extends MessageLite, R extends MessageLite>(
      MethodDescriptor<Q, R> descriptor,
      UnaryHandler<Q, R> unary,
      StreamHandler<Q, R> stream,
      boolean direct) {}

  private final String name;
  private final Map<String, BoundMethod<?, ?>> methods;

  private ServiceDefinition(String name, Map<String, BoundMethod<?, ?>> methods) {
    this.name = name;
    this.methods = Map.copyOf(methods);
  }

  public static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  public String name() {
    return name;
  }

  BoundMethod<?, ?> method(String methodName) {
    return methods.get(methodName);
  }

  java.util.Set<String> methodNames() {
    return methods.keySet();
  }

  /** Collects methods; registering a method twice is a programming error. */
  public static final class Builder {
    private final String name;
    private final Map<String, BoundMethod<?, ?>> methods = new LinkedHashMap<>();

    private Builder(String name) {
      if (name == null || name.isEmpty() || name.startsWith("/")) {
        throw new IllegalArgumentException("service must be a proto full name: " + name);
      }
      this.name = name;
    }

    public <Q extends MessageLite, R extends MessageLite> Builder unary(
        MethodDescriptor<Q, R> method, UnaryHandler<Q, R> handler) {
      if (method.type() != MethodType.UNARY) {
        throw new IllegalArgumentException(method.fullMethod() + " is " + method.type());
      }
      return add(new BoundMethod<>(method, handler, null, false));
    }

    /**
     * Registers a unary handler that runs on the connection's I/O thread, as the request is read,
     * instead of on a virtual thread of its own (what grpc-java calls a direct executor). That
     * saves a thread hand-off each way, which is most of a small call's cost under load, and the
     * responses of one read batch leave in one write.
     *
     * <p>The contract, which the server cannot check: the handler, and every {@link
     * ServerInterceptor} around it, <em>never blocks</em> and returns in microseconds. No file,
     * socket or database I/O (a page fault on a memory-mapped file included), no lock another
     * thread may hold across such work, no waiting on a queue, future or condition, no sleeping, no
     * work that grows with the data a store holds. While it runs, no frame of any call on the I/O
     * thread's connections is read or written: a handler that blocks stalls every one of them, and
     * one that waits for another call on the same connection deadlocks. Cancellation does not
     * interrupt it. The default, {@link #unary}, has none of these constraints.
     */
    public <Q extends MessageLite, R extends MessageLite> Builder unaryDirect(
        MethodDescriptor<Q, R> method, UnaryHandler<Q, R> handler) {
      if (method.type() != MethodType.UNARY) {
        throw new IllegalArgumentException(method.fullMethod() + " is " + method.type());
      }
      return add(new BoundMethod<>(method, handler, null, true));
    }

    public <Q extends MessageLite, R extends MessageLite> Builder stream(
        MethodDescriptor<Q, R> method, StreamHandler<Q, R> handler) {
      if (method.type() == MethodType.UNARY) {
        throw new IllegalArgumentException(method.fullMethod() + " is unary");
      }
      return add(new BoundMethod<>(method, null, handler, false));
    }

    private Builder add(BoundMethod<?, ?> bound) {
      MethodDescriptor<?, ?> m = bound.descriptor();
      if (!m.service().equals(name)) {
        throw new IllegalArgumentException(m.fullMethod() + " does not belong to " + name);
      }
      if (bound.unary() == null && bound.stream() == null) {
        throw new IllegalArgumentException("no handler for " + m.fullMethod());
      }
      if (methods.putIfAbsent(m.method(), bound) != null) {
        throw new IllegalStateException(m.fullMethod() + " is registered twice");
      }
      return this;
    }

    public ServiceDefinition build() {
      return new ServiceDefinition(name, methods);
    }
  }
}
