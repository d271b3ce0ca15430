package dev.transferd.ttrpc;

import com.google.protobuf.MessageLite;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A ttrpc client for one unix socket. Calls from any number of threads share one connection,
 * multiplexed by stream id. A closed connection fails its calls with UNAVAILABLE naming the socket;
 * the next call connects again. Before the stream-id space runs out, new calls move to a fresh
 * connection and the old one closes once its calls finish.
 *
 * <pre>{@code
 * try (TtrpcClient client = TtrpcClient.connect(Path.of("/run/app.sock"))) {
 *   BytesValue reply = client.call(ECHO, request, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(1)));
 * }
 * }</pre>
 */
public final class TtrpcClient implements AutoCloseable {
  private static final Object GROUP_LOCK = new Object();
  private static EventLoopGroup sharedGroup;

  private final Path address;
  private final int streamQueueCapacity;
  private final long streamQueueGraceNanos;
  private final long maxStreamId;
  private final Duration connectTimeout;
  private final List<ClientInterceptor> interceptors;
  private final FrameEncoder encoder;
  private final ClientInterceptor.UnaryInvoker invoker;
  private final ClientInterceptor.StreamOpener opener;
  private volatile ClientConnection current; // replaced under this
  private boolean closed; // guarded by this

  private TtrpcClient(Builder b) {
    this.address = b.address.toAbsolutePath();
    this.streamQueueCapacity = b.streamQueueCapacity;
    this.streamQueueGraceNanos = b.streamQueueGrace.toNanos();
    this.maxStreamId = b.maxStreamId;
    this.connectTimeout = b.connectTimeout;
    this.interceptors = List.copyOf(b.interceptors);
    this.encoder = new FrameEncoder(FrameAllocator.INSTANCE, b.maxMessageSize);
    this.invoker = chainUnary();
    this.opener = chainStream();
  }

  /** Connects to a ttrpc server with default settings. */
  public static TtrpcClient connect(Path socket) {
    return builder(socket).build();
  }

  public static Builder builder(Path socket) {
    return new Builder(socket);
  }

  public Path address() {
    return address;
  }

  /** A unary call without deadline or metadata. */
  public <Q extends MessageLite, R extends MessageLite> R call(
      MethodDescriptor<Q, R> method, Q request) {
    return call(method, request, CallOptions.DEFAULT);
  }

  /**
   * A unary call: sends the request and waits for the response.
   *
   * @throws TtrpcException with the server's status, or a local one: DEADLINE_EXCEEDED,
   *     RESOURCE_EXHAUSTED (request over the size limit; nothing was sent), UNAVAILABLE (connection
   *     failed or closed)
   */
  public <Q extends MessageLite, R extends MessageLite> R call(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (method.type() != MethodType.UNARY) {
      throw new IllegalArgumentException(method.fullMethod() + " is " + method.type());
    }
    return invoker.invoke(method, request, options);
  }

  /** Opens a client-streaming or bidi stream; send, then closeSend, then receive. */
  public <Q extends MessageLite, R extends MessageLite> ClientStream<Q, R> openStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    if (!method.type().clientStreams()) {
      throw new IllegalArgumentException(
          method.fullMethod() + " is " + method.type() + ": pass its request");
    }
    return opener.open(method, null, options);
  }

  /** Opens a server-streaming call with its request; receive until null. */
  public <Q extends MessageLite, R extends MessageLite> ClientStream<Q, R> openStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (method.type() != MethodType.SERVER_STREAMING) {
      throw new IllegalArgumentException(
          method.fullMethod() + " is " + method.type() + ": it takes no single request");
    }
    return opener.open(method, request, options);
  }

  private ClientInterceptor.UnaryInvoker chainUnary() {
    ClientInterceptor.UnaryInvoker next = this::invokeUnary;
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      ClientInterceptor interceptor = interceptors.get(i);
      ClientInterceptor.UnaryInvoker inner = next;
      next =
          new ClientInterceptor.UnaryInvoker() {
            @Override
            public <Q extends MessageLite, R extends MessageLite> R invoke(
                MethodDescriptor<Q, R> m, Q req, CallOptions o) {
              return interceptor.interceptUnary(m, req, o, inner);
            }
          };
    }
    return next;
  }

  private ClientInterceptor.StreamOpener chainStream() {
    ClientInterceptor.StreamOpener next = this::openRaw;
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      ClientInterceptor interceptor = interceptors.get(i);
      ClientInterceptor.StreamOpener inner = next;
      next =
          new ClientInterceptor.StreamOpener() {
            @Override
            public <Q extends MessageLite, R extends MessageLite> ClientStream<Q, R> open(
                MethodDescriptor<Q, R> m, Q req, CallOptions o) {
              return interceptor.interceptStream(m, req, o, inner);
            }
          };
    }
    return next;
  }

  private <Q extends MessageLite, R extends MessageLite> R invokeUnary(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    ClientCall<Q, R> call = start(method, request, options, (byte) 0);
    return call.receive();
  }

  private <Q extends MessageLite, R extends MessageLite> ClientStream<Q, R> openRaw(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    byte flags =
        method.type().clientStreams()
            // Remote-open with no data: Rust servers need the no-data bit, Go ignores flags.
            ? (byte) (Protocol.FLAG_REMOTE_OPEN | Protocol.FLAG_NO_DATA)
            : Protocol.FLAG_REMOTE_CLOSED;
    return start(method, request, options, flags);
  }

  private <Q extends MessageLite, R extends MessageLite> ClientCall<Q, R> start(
      MethodDescriptor<Q, R> method, Q request, CallOptions options, byte flags) {
    long timeoutNanos = 0;
    long deadline = 0;
    if (options.timeout() != null) {
      timeoutNanos = options.timeout().toNanos();
      if (timeoutNanos <= 0) {
        throw new TtrpcException(
            StatusCode.DEADLINE_EXCEEDED,
            "deadline exceeded before calling " + method.fullMethod());
      }
      deadline = System.nanoTime() + timeoutNanos;
    }
    ClientCall<Q, R> call =
        new ClientCall<>(method, deadline, options.timeout() != null, streamQueueCapacity);
    ByteBuf frame =
        encoder.request(
            0, flags, method.service(), method.method(), request, timeoutNanos, options.metadata());
    while (true) {
      ClientConnection connection;
      try {
        connection = connection();
      } catch (RuntimeException e) {
        frame.release();
        throw e;
      }
      if (connection.open(call, frame)) {
        return call;
      }
      retire(connection);
    }
  }

  private ClientConnection connection() {
    ClientConnection c = current;
    if (c != null && c.isUsable()) {
      return c; // the common case, without taking the lock
    }
    return reconnect();
  }

  private synchronized ClientConnection reconnect() {
    if (closed) {
      throw new TtrpcException(StatusCode.UNAVAILABLE, "ttrpc: client for " + address + " closed");
    }
    if (current == null || !current.isUsable()) {
      current = dial();
    }
    return current;
  }

  private synchronized void retire(ClientConnection connection) {
    if (current == connection) {
      current = null;
    }
    connection.drain();
  }

  private ClientConnection dial() {
    AtomicReference<ClientConnection> created = new AtomicReference<>();
    ChannelFuture future =
        new Bootstrap()
            .group(group())
            .channel(Transport.channelType())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .option(ChannelOption.ALLOCATOR, FrameAllocator.INSTANCE)
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ClientConnection c =
                        new ClientConnection(
                            ch, address, encoder, maxStreamId, streamQueueGraceNanos);
                    created.set(c);
                    ch.pipeline().addLast(new FrameDecoder(encoder.maxMessageSize()), c);
                  }
                })
            .connect(Transport.address(address));
    future.awaitUninterruptibly();
    if (!future.isSuccess()) {
      Throwable cause = future.cause();
      throw new TtrpcException(
          Status.of(
              StatusCode.UNAVAILABLE,
              "ttrpc: cannot connect to " + address + ": " + describe(cause)),
          cause);
    }
    return created.get();
  }

  private static String describe(Throwable cause) {
    if (cause == null) {
      return "unknown error";
    }
    String m = cause.getMessage();
    return m != null ? m : cause.getClass().getSimpleName();
  }

  private static EventLoopGroup group() {
    synchronized (GROUP_LOCK) {
      if (sharedGroup == null) {
        sharedGroup = Transport.newEventLoopGroup(1, "ttrpc-client");
      }
      return sharedGroup;
    }
  }

  /**
   * Sets up, without connecting, what every client's first connection needs: the shared event loop
   * group and the transport's classes. For a short-lived process (a CLI) to run on a spare thread
   * while it parses its arguments, so its first call does not pay for it; idempotent, and nothing
   * starts running until a client connects.
   *
   * <p>Internal API ({@link InternalApi}): for this project's {@code transferctl}, whose start-up
   * time it shortens; the shared event loop is an implementation detail of the client.
   */
  @InternalApi
  public static void prepareSharedEventLoop() {
    new Bootstrap().group(group()).channel(Transport.channelType());
  }

  /**
   * Stops the I/O thread all clients of this process share, waiting up to {@code timeout} for it to
   * end; a later call (of any client) starts a new one. For short-lived processes (a CLI) to call
   * before exiting: the JVM's exit waits about 300 ms for any thread still blocked in native code,
   * as an idle event loop is. Connections still open are closed with it.
   *
   * <p>Internal API ({@link InternalApi}): for this project's {@code transferctl}; the shared event
   * loop is an implementation detail of the client.
   *
   * @return true if the thread ended in time (or none was running)
   */
  @InternalApi
  public static boolean stopSharedEventLoop(Duration timeout) {
    EventLoopGroup group;
    synchronized (GROUP_LOCK) {
      group = sharedGroup;
      sharedGroup = null;
    }
    if (group == null) {
      return true;
    }
    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    return group.terminationFuture().awaitUninterruptibly(timeout.toMillis());
  }

  /** Closes the connection; calls in flight fail with CANCELLED. */
  @Override
  public void close() {
    ClientConnection c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = current;
      current = null;
    }
    if (c != null) {
      c.close(Status.of(StatusCode.CANCELLED, "ttrpc: client for " + address + " closed"));
    }
  }

  /** Configures a {@link TtrpcClient}. */
  public static final class Builder {
    private final Path address;
    private int maxMessageSize = Protocol.DEFAULT_MAX_MESSAGE_SIZE;
    private int streamQueueCapacity = Protocol.DEFAULT_STREAM_QUEUE_CAPACITY;
    private Duration streamQueueGrace = Protocol.DEFAULT_STREAM_QUEUE_GRACE;
    private long maxStreamId = Protocol.MAX_STREAM_ID;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private final List<ClientInterceptor> interceptors = new ArrayList<>();

    private Builder(Path address) {
      this.address = address;
    }

    /** The largest frame data sent and accepted; default 4 MiB as in Go. */
    public Builder maxMessageSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxMessageSize must be at least 1024: " + bytes);
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /** Messages a server stream may hold before the caller receives them; overflow fails it. */
    public Builder streamQueueCapacity(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("streamQueueCapacity must be positive");
      }
      this.streamQueueCapacity = messages;
      return this;
    }

    /**
     * How long reading pauses for a full stream queue before that stream fails; default 1 s, as Go
     * waits. Zero fails the stream at once.
     */
    public Builder streamQueueGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("streamQueueGrace must not be negative");
      }
      this.streamQueueGrace = grace;
      return this;
    }

    /**
     * The highest stream id used on one connection before moving to a new one; default 2^31-1.
     * Package-private: lower values exist only for this module's tests of the move.
     */
    Builder maxStreamId(long id) {
      if (id < 1 || id > Protocol.MAX_STREAM_ID) {
        throw new IllegalArgumentException("maxStreamId out of range: " + id);
      }
      this.maxStreamId = id;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Adds an interceptor; the first added runs outermost. */
    public Builder interceptor(ClientInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /** Builds the client and connects, so a bad address fails here with UNAVAILABLE. */
    public TtrpcClient build() {
      TtrpcClient client = new TtrpcClient(this);
      client.connection();
      return client;
    }
  }
}
