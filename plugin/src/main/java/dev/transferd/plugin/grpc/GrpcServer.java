package dev.transferd.plugin.grpc;

import dev.transferd.ttrpc.SocketFile;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC server (HTTP/2 cleartext, as containerd dials its proxy plugins) on a unix socket.
 *
 * <p>This is the one class of the plugin module that names Netty types: grpc-java's Netty transport
 * must be handed a unix-domain channel type, an event loop group and a socket address, and has no
 * transport-neutral way to ask for them. It uses the project's Netty (epoll where it loads, NIO
 * domain sockets elsewhere), so the process carries one Netty, not a shaded second copy.
 *
 * <p>The socket file follows ttrpc's rules ({@link SocketFile}): a stale file is replaced only when
 * nothing answers on it, and the socket gets its mode before it appears under its name. The file's
 * mode (and owner, which the caller sets) decides who may connect; gRPC sees no peer credentials.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  /** containerd's gRPC message limit for proxy plugins ({@code defaults.DefaultMaxRecvMsgSize}). */
  public static final int MAX_MESSAGE_SIZE = 16 << 20;

  private static final boolean EPOLL = !Boolean.getBoolean("ttrpc.nio") && Epoll.isAvailable();

  private final Server server;
  private final EventLoopGroup group;
  private final ExecutorService executor;
  private final GrpcHandlers handlers;
  private final Path socket;

  private GrpcServer(
      Server server,
      EventLoopGroup group,
      ExecutorService executor,
      GrpcHandlers handlers,
      Path socket) {
    this.server = server;
    this.group = group;
    this.executor = executor;
    this.handlers = handlers;
    this.socket = socket;
  }

  /**
   * Binds {@code socketPath} with file mode {@code mode} (e.g. {@code rw-rw----}) and serves.
   *
   * @param handlers where the services' handlers run (the one given to {@link
   *     GrpcServiceBridge#bridge}); stopped with the server, which waits for its handlers to end,
   *     so that nothing they use is closed under them
   * @throws IOException if the socket cannot be bound, or another server is listening on it
   */
  public static GrpcServer start(
      Path socketPath, String mode, List<ServerServiceDefinition> services, GrpcHandlers handlers)
      throws IOException {
    Path target = socketPath.toAbsolutePath();
    SocketFile.checkLength(target);
    Files.createDirectories(target.getParent());
    SocketFile.removeIfStale(target);
    Path temporary = SocketFile.temporaryName(target);
    Path bindPath = temporary != null ? temporary : target;
    Files.deleteIfExists(bindPath);
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("grpc-server", true),
            EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    // Listener callbacks only queue and signal; handlers run on threads of their own.
    ExecutorService executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("grpc-events-", 0).factory());
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
                EPOLL
                    ? new DomainSocketAddress(bindPath.toString())
                    : UnixDomainSocketAddress.of(bindPath))
            .channelType(
                EPOLL ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class)
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            // grpc-java asks for TCP keep-alive, which a unix socket does not have (Netty would
            // warn
            // on every connection); null removes the option.
            .withChildOption(ChannelOption.SO_KEEPALIVE, null)
            .executor(executor)
            .maxInboundMessageSize(MAX_MESSAGE_SIZE);
    services.forEach(builder::addService);
    Server server = builder.build();
    try {
      server.start();
      SocketFile.publish(bindPath, target, PosixFilePermissions.fromString(mode));
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      executor.shutdownNow();
      handlers.shutdown();
      Files.deleteIfExists(bindPath);
      throw e instanceof IOException io
          ? io
          : new IOException("cannot listen on " + target + ": " + e.getMessage(), e);
    }
    log.debug("gRPC server listening on {} ({})", target, EPOLL ? "epoll" : "nio");
    return new GrpcServer(server, group, executor, handlers, target);
  }

  public Path address() {
    return socket;
  }

  /**
   * Stops accepting and removes the socket file, lets running calls finish within {@code grace},
   * then fails the rest with UNAVAILABLE (as ttrpc's server does; containerd's writers retry it)
   * and waits (up to 10 s more) for their handlers to return, so that nothing they use is closed
   * under them. Blocks until done; idempotent.
   */
  public void shutdown(Duration grace) {
    server.shutdown();
    handlers.shutdown();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.warn("cannot remove socket file {}: {}", socket, e.toString());
    }
    try {
      if (!server.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        handlers.failAll(Status.of(StatusCode.UNAVAILABLE, "gRPC server shut down"));
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
      if (!handlers.awaitEnd(Duration.ofSeconds(10))) {
        log.warn("gRPC handlers still running after shutdown");
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    executor.shutdown();
  }

  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }
}
