package dev.transferd.ttrpc;

import com.google.protobuf.MessageLite;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ttrpc server on a unix socket. Each call's handler runs on its own virtual thread; the event
 * loop only frames, validates and dispatches (and runs the handlers of methods registered with
 * {@link ServiceDefinition.Builder#unaryDirect}, which promise never to block).
 *
 * <pre>{@code
 * TtrpcServer server = TtrpcServer.builder()
 *     .addService(ServiceDefinition.builder("pkg.Svc").unary(ECHO, (ctx, req) -> req).build())
 *     .build()
 *     .start(Path.of("/run/app.sock"));
 * ...
 * server.shutdown(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>Thread-safe. {@link #start} once; {@link #shutdown} stops accepting, refuses new calls with
 * UNAVAILABLE, lets running calls finish within the grace period, then fails the rest and closes.
 */
public final class TtrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TtrpcServer.class);

  /**
   * A method with its handler already wrapped in the server's interceptors; {@code direct}: run it
   * on the I/O thread ({@link ServiceDefinition.Builder#unaryDirect}).
   */
  record ServerMethod<Q extends MessageLite, R extends MessageLite>(
      MethodDescriptor<Q, R> descriptor,
      UnaryHandler<Q, R> unary,
      StreamHandler<Q, R> stream,
      boolean direct) {}

  record Options(
      int maxMessageSize,
      int streamQueueCapacity,
      Duration streamQueueGrace,
      long queueHighWater,
      PeerCredentialsPolicy peerPolicy,
      Set<PosixFilePermission> socketMode,
      int ioThreads) {}

  private final Map<String, Map<String, ServerMethod<?, ?>>> services;
  private final Options options;
  private final ExecutorService handlers;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final ReentrantLock callsLock = new ReentrantLock();
  private final Condition idle = callsLock.newCondition();
  private int activeCalls; // guarded by callsLock
  private volatile boolean shuttingDown;
  private EventLoopGroup group;
  private Channel listener;
  private Path socket;

  private TtrpcServer(Map<String, Map<String, ServerMethod<?, ?>>> services, Options options) {
    this.services = services;
    this.options = options;
    this.handlers =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ttrpc-handler-", 0).factory());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the socket and starts serving. A stale socket file is replaced only when no server
   * answers on it; the file gets the configured mode before it appears under its name.
   *
   * @throws IOException if the socket cannot be bound, or another server is listening on it
   */
  public synchronized TtrpcServer start(Path socketPath) throws IOException {
    if (group != null) {
      throw new IllegalStateException("server already started on " + socket);
    }
    Path target = socketPath.toAbsolutePath();
    SocketFile.checkLength(target);
    Files.createDirectories(target.getParent());
    SocketFile.removeIfStale(target);
    Path temporary = SocketFile.temporaryName(target);
    Path bindPath = temporary != null ? temporary : target;
    Files.deleteIfExists(bindPath);
    group = Transport.newEventLoopGroup(options.ioThreads(), "ttrpc-server");
    try {
      listener =
          new ServerBootstrap()
              .group(group)
              .channel(Transport.serverChannelType())
              .childOption(ChannelOption.ALLOCATOR, FrameAllocator.INSTANCE)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(
                      (int) options.queueHighWater() / 2, (int) options.queueHighWater()))
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      accept(ch);
                    }
                  })
              .bind(Transport.address(bindPath))
              .sync()
              .channel();
      SocketFile.publish(bindPath, target, options.socketMode());
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      group = null;
      Files.deleteIfExists(bindPath);
      throw e instanceof IOException io
          ? io
          : new IOException("cannot listen on " + target + ": " + e.getMessage(), e);
    }
    socket = target;
    log.debug("ttrpc server listening on {} ({})", target, Transport.EPOLL ? "epoll" : "nio");
    return this;
  }

  private void accept(Channel ch) {
    PeerCredentials peer = Transport.peerCredentials(ch);
    if (shuttingDown || !options.peerPolicy().permits(peer)) {
      log.warn(
          "refusing connection on {} from pid {} uid {} gid {}: {}",
          socket,
          peer.pid(),
          peer.uid(),
          peer.gid(),
          shuttingDown ? "shutting down" : "credentials not permitted");
      ch.close();
      return;
    }
    ServerConnection connection = new ServerConnection(this, ch, peer);
    connections.add(connection);
    ch.pipeline().addLast(new FrameDecoder(options.maxMessageSize()), connection);
  }

  /** The socket path this server listens on, once started. */
  public Path address() {
    return socket;
  }

  /** Calls whose handlers are still running or whose final frame is not yet sent. */
  public int activeCalls() {
    callsLock.lock();
    try {
      return activeCalls;
    } finally {
      callsLock.unlock();
    }
  }

  /** Open client connections. */
  public int connectionCount() {
    return connections.size();
  }

  /**
   * Stops accepting, refuses new calls with UNAVAILABLE, waits up to {@code grace} for running
   * calls to finish, fails the rest with UNAVAILABLE, then closes every connection and removes the
   * socket file. Idempotent; blocks until done.
   */
  public void shutdown(Duration grace) {
    synchronized (this) {
      if (shuttingDown) {
        return;
      }
      shuttingDown = true;
    }
    if (listener != null) {
      listener.close().syncUninterruptibly();
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        log.warn("cannot remove socket file {}: {}", socket, e.toString());
      }
    }
    closeIdleConnections();
    long deadline = System.nanoTime() + grace.toNanos();
    callsLock.lock();
    try {
      while (activeCalls > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        idle.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      callsLock.unlock();
    }
    Status stopping = Status.of(StatusCode.UNAVAILABLE, "ttrpc: server shut down");
    List<io.netty.channel.ChannelFuture> closing = new ArrayList<>();
    for (ServerConnection c : connections) {
      c.failAll(stopping);
      closing.add(c.close());
    }
    // Wait for the closes (queued behind pending writes) before stopping the event loop, which
    // would otherwise close channels with final responses still queued.
    for (io.netty.channel.ChannelFuture f : closing) {
      f.awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    handlers.shutdown();
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Shuts down at once: running calls fail with UNAVAILABLE. */
  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }

  private void closeIdleConnections() {
    for (ServerConnection c : connections) {
      if (c.activeCalls() == 0) {
        c.close();
      }
    }
  }

  // ---- used by connections ----

  Options options() {
    return options;
  }

  boolean isShuttingDown() {
    return shuttingDown;
  }

  ServerMethod<?, ?> lookup(String service, String method) {
    Map<String, ServerMethod<?, ?>> methods = services.get(service);
    return methods == null ? null : methods.get(method);
  }

  boolean hasService(String service) {
    return services.containsKey(service);
  }

  void execute(Runnable call) {
    handlers.execute(call);
  }

  void callStarted() {
    callsLock.lock();
    try {
      activeCalls++;
    } finally {
      callsLock.unlock();
    }
  }

  void callEnded() {
    callsLock.lock();
    try {
      if (--activeCalls == 0) {
        idle.signalAll();
      }
    } finally {
      callsLock.unlock();
    }
    if (shuttingDown) {
      closeIdleConnections();
    }
  }

  void connectionClosed(ServerConnection connection) {
    connections.remove(connection);
  }

  /** Configures a {@link TtrpcServer}. */
  public static final class Builder {
    private final Map<String, ServiceDefinition> services = new HashMap<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private int maxMessageSize = Protocol.DEFAULT_MAX_MESSAGE_SIZE;
    private int streamQueueCapacity = Protocol.DEFAULT_STREAM_QUEUE_CAPACITY;
    private Duration streamQueueGrace = Protocol.DEFAULT_STREAM_QUEUE_GRACE;
    private PeerCredentialsPolicy peerPolicy = PeerCredentialsPolicy.sameUser();
    private Set<PosixFilePermission> socketMode = PosixFilePermissions.fromString("rw-rw----");
    private int ioThreads = 1;

    private Builder() {}

    /** Registers a service; registering one name twice is a programming error. */
    public Builder addService(ServiceDefinition service) {
      if (services.putIfAbsent(service.name(), service) != null) {
        throw new IllegalStateException("service " + service.name() + " is registered twice");
      }
      return this;
    }

    /** Adds an interceptor; the first added runs outermost. */
    public Builder interceptor(ServerInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /** The largest frame data accepted and sent; default 4 MiB as in Go. */
    public Builder maxMessageSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxMessageSize must be at least 1024: " + bytes);
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /** Messages a stream may hold before its handler takes them; overflow fails that stream. */
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

    /** Who may connect; default {@link PeerCredentialsPolicy#sameUser()}. */
    public Builder peerCredentials(PeerCredentialsPolicy policy) {
      this.peerPolicy = policy;
      return this;
    }

    /** The socket file's permissions, e.g. {@code "rw-rw----"} (the default, 0660). */
    public Builder socketMode(String permissions) {
      this.socketMode = PosixFilePermissions.fromString(permissions);
      return this;
    }

    /** Event-loop threads for I/O; default 1. */
    public Builder ioThreads(int threads) {
      this.ioThreads = Math.max(1, threads);
      return this;
    }

    public TtrpcServer build() {
      Map<String, Map<String, ServerMethod<?, ?>>> table = new HashMap<>();
      for (ServiceDefinition service : services.values()) {
        Map<String, ServerMethod<?, ?>> methods = new HashMap<>();
        for (String name : service.methodNames()) {
          methods.put(name, intercept(service.method(name)));
        }
        table.put(service.name(), Map.copyOf(methods));
      }
      long highWater = Math.max(2L * maxMessageSize + 1024, 8L << 20);
      return new TtrpcServer(
          Map.copyOf(table),
          new Options(
              maxMessageSize,
              streamQueueCapacity,
              streamQueueGrace,
              highWater,
              peerPolicy,
              socketMode,
              ioThreads));
    }

    private <Q extends MessageLite, R extends MessageLite> ServerMethod<Q, R> intercept(
        ServiceDefinition.BoundMethod<Q, R> bound) {
      UnaryHandler<Q, R> unary = bound.unary();
      StreamHandler<Q, R> stream = bound.stream();
      for (int i = interceptors.size() - 1; i >= 0; i--) {
        ServerInterceptor interceptor = interceptors.get(i);
        if (unary != null) {
          UnaryHandler<Q, R> next = unary;
          unary = (ctx, req) -> interceptor.interceptUnary(ctx, req, next);
        } else {
          StreamHandler<Q, R> next = stream;
          stream = (ctx, s) -> interceptor.interceptStream(ctx, s, next);
        }
      }
      return new ServerMethod<>(bound.descriptor(), unary, stream, bound.direct());
    }
  }
}
