package dev.transferd.plugin.daemon;

import dev.transferd.plugin.containerd.ContentProxy;
import dev.transferd.plugin.containerd.ProxyNamespaceGuard;
import dev.transferd.plugin.grpc.GrpcHandlers;
import dev.transferd.plugin.grpc.GrpcServer;
import dev.transferd.plugin.registry.RegistryRequestObserver;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.services.ImagesService;
import dev.transferd.plugin.services.IntrospectionService;
import dev.transferd.plugin.services.LeasesService;
import dev.transferd.plugin.services.NamespacesService;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.transfer.OrphanLeases;
import dev.transferd.plugin.transfer.TransferObserver;
import dev.transferd.plugin.transfer.TransferService;
import dev.transferd.plugin.web.WebServer;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingService;
import dev.transferd.ttrpc.PeerCredentialsPolicy;
import dev.transferd.ttrpc.TtrpcServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running transferd: the embedded store under {@link DaemonConfig#root()} and one ttrpc server on
 * {@link DaemonConfig#address()} serving Transfer, Streaming, Images, Content, Leases and
 * Introspection, and, with a {@code [grpc]} address, a gRPC server on it for containerd's content
 * proxy plugin ({@link ContentProxy}). Opening the store recovers from a crash (ingests kept for
 * resume); a garbage collection runs in the background right after start. Thread-safe; {@link
 * #shutdown} is idempotent and {@link #awaitTermination} returns once it has finished.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final DaemonConfig config;
  private final EmbeddedStore store;
  private final TtrpcServer server;
  private final Thread startupGc;
  private final MetricsEndpoint metrics; // null when no [metrics] address is set
  private TransferLog transferLog = new TransferLog(); // set by start; logs what shutdown cuts
  private final GrpcServer grpc; // null when no [grpc] address is set
  private WebServer web; // null when no [web] address is set; set once, in start
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();

  private Daemon(
      DaemonConfig config,
      EmbeddedStore store,
      TtrpcServer server,
      Thread startupGc,
      MetricsEndpoint metrics,
      GrpcServer grpc) {
    this.config = config;
    this.store = store;
    this.server = server;
    this.startupGc = startupGc;
    this.metrics = metrics;
    this.grpc = grpc;
  }

  /**
   * Creates the root directory if needed, binds the socket and starts serving.
   *
   * @throws IOException if the root cannot be created or the socket bound (e.g. another daemon is
   *     listening on it)
   */
  public static Daemon start(DaemonConfig config) throws IOException {
    Path root = config.root();
    if (!Files.isDirectory(root)) {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    }
    EmbeddedStore store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withContentSharing(config.contentSharing())
                .withStaleIngestAge(config.ingestGrace())
                .withGcInterval(gcInterval(config.ingestGrace())));
    OrphanLeases.release(store); // before serving: no transfer of ours is running yet
    StreamManager streams = new StreamManager();
    boolean ownedSocket = config.socketUid() != -1 || config.socketGid() != -1;
    TransferLog transferLog = new TransferLog();
    DaemonMetrics counters = new DaemonMetrics();
    TransferObserver observer =
        report -> {
          transferLog.transferEnded(report);
          counters.transferEnded(report);
        };
    TtrpcServer server;
    try {
      server =
          TtrpcServer.builder()
              // outermost, so that every line a call logs carries its trace id
              .interceptor(new TraceContextInterceptor())
              .interceptor(counters)
              .interceptor(transferLog)
              .interceptor(new ProxyNamespaceGuard())
              .addService(StreamingService.definition(streams))
              .addService(
                  TransferService.definition(streams, config.transferSettings(), store, observer))
              .addService(ImagesService.definition(store))
              .addService(ContentService.definition(store))
              .addService(LeasesService.definition(store))
              .addService(NamespacesService.definition(store))
              .addService(IntrospectionService.definition(ServerIdentity.uuid(root)))
              .socketMode(config.socketMode())
              // With an owner or group configured, the socket file's mode decides who may connect,
              // as for containerd's socket; otherwise only our own user may.
              .peerCredentials(
                  ownedSocket ? PeerCredentialsPolicy.anyone() : PeerCredentialsPolicy.sameUser())
              .build()
              .start(config.address());
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    MetricsEndpoint endpoint = null;
    GrpcServer grpc = null;
    try {
      if (ownedSocket) {
        chown(config.address(), config.socketUid(), config.socketGid());
      }
      if (config.grpc() != null) {
        GrpcEndpoint g = config.grpc();
        GrpcHandlers handlers = new GrpcHandlers();
        grpc =
            GrpcServer.start(
                g.address(),
                g.mode(),
                List.of(ContentProxy.grpcService(store, handlers)),
                handlers);
        if (g.uid() != -1 || g.gid() != -1) {
          chown(g.address(), g.uid(), g.gid());
        }
        log.info("containerd content proxy (gRPC) on {}", g.address());
      }
      if (!config.metricsAddress().isEmpty()) {
        endpoint = MetricsEndpoint.start(config.metricsAddress(), counters::scrape);
        RegistryRequestObserver.install(counters);
        log.info("metrics on http://{}/metrics", hostPort(endpoint.address()));
      }
    } catch (IOException e) {
      if (grpc != null) {
        grpc.close();
      }
      server.close();
      store.close();
      throw e;
    }
    WebServer web = null;
    if (config.web().enabled()) {
      try {
        web = WebServer.start(config.web(), store, server.address());
      } catch (IOException | RuntimeException e) {
        if (endpoint != null) {
          endpoint.close();
        }
        server.close();
        store.close();
        throw e;
      }
    }
    log.info("transferd serving on {} with its store in {}", config.address(), root);
    Thread gc = Thread.ofVirtual().name("startup-gc").start(() -> collectGarbage(store));
    Daemon daemon = new Daemon(config, store, server, gc, endpoint, grpc);
    daemon.transferLog = transferLog;
    daemon.web = web;
    return daemon;
  }

  /**
   * The collector runs hourly, or as often as the ingest grace when that is shorter (but at most
   * once a minute), so an abandoned ingest goes soon after its grace.
   */
  private static Duration gcInterval(Duration ingestGrace) {
    Duration hourly = Duration.ofHours(1);
    Duration minute = Duration.ofMinutes(1);
    return ingestGrace.compareTo(hourly) >= 0
        ? hourly
        : ingestGrace.compareTo(minute) <= 0 ? minute : ingestGrace;
  }

  private static void collectGarbage(EmbeddedStore store) {
    try {
      Store.GcResult gc = store.collectGarbage();
      if (gc.blobsRemoved() > 0 || gc.ingestsRemoved() > 0) {
        log.info(
            "startup garbage collection removed {} blobs ({} bytes) and {} ingests",
            gc.blobsRemoved(),
            gc.bytesRemoved(),
            gc.ingestsRemoved());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("startup garbage collection failed: {}", e.toString());
    }
  }

  private static void chown(Path socket, int uid, int gid) throws IOException {
    try {
      if (uid != -1) {
        Files.setAttribute(socket, "unix:uid", uid);
      }
      if (gid != -1) {
        Files.setAttribute(socket, "unix:gid", gid);
      }
    } catch (IOException e) {
      throw new IOException(
          "cannot give socket " + socket + " owner " + uid + " group " + gid + ": " + e, e);
    }
  }

  public DaemonConfig config() {
    return config;
  }

  public Path address() {
    return server.address();
  }

  /** Where {@code /metrics} is served, if it is. */
  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metrics).map(MetricsEndpoint::address);
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Where the web console and pull endpoint are served, if they are. */
  public Optional<InetSocketAddress> webAddress() {
    return Optional.ofNullable(web).map(WebServer::address);
  }

  /** Transfer and stream calls running now. */
  public int activeCalls() {
    return server.activeCalls();
  }

  /**
   * Stops accepting, lets calls in flight finish within {@code grace}, cancels the rest, and
   * removes the socket. Blocks until done.
   */
  public void shutdown(Duration grace) {
    if (!stopping.compareAndSet(false, true)) {
      try {
        awaitTermination();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      int running = server.activeCalls();
      if (running > 0) {
        log.info("shutting down: waiting up to {} for {} calls in flight", grace, running);
      }
      // The web console's transfers are calls on this server: they finish within the grace (new
      // ones are refused) before the HTTP server stops.
      server.shutdown(grace);
      transferLog.awaitEnded(
          Duration.ofSeconds(5),
          dev.transferd.ttrpc.Status.of(
              dev.transferd.ttrpc.StatusCode.UNAVAILABLE,
              "cancelled at shutdown: still running after the grace period of " + grace));
      if (grpc != null) {
        grpc.shutdown(grace);
      }
      if (web != null) {
        web.close();
      }
      if (metrics != null) {
        metrics.close();
        RegistryRequestObserver.install(RegistryRequestObserver.NONE);
      }
      // Handlers failed by the shutdown may still be inside the store, and so may the startup
      // collection: the store closes only after they have left it (LMDB must not be closed under
      // a running transaction).
      awaitQuiet(Duration.ofSeconds(10));
      try {
        store.close();
      } catch (IOException e) {
        log.warn("closing the store: {}", e.toString());
      }
      log.info("transferd stopped");
    } finally {
      terminated.countDown();
    }
  }

  private void awaitQuiet(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      startupGc.join(limit);
      while (server.activeCalls() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (startupGc.isAlive() || server.activeCalls() > 0) {
      log.warn("closing the store with {} calls still running", server.activeCalls());
    }
  }

  /** Whether {@link #shutdown} has begun. */
  public boolean isStopping() {
    return stopping.get();
  }

  /** Blocks until {@link #shutdown} has finished. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }
}
