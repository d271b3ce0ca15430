package dev.transferd.plugin.web;

import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.web.auth.Authenticator;
import dev.transferd.plugin.web.auth.PemKeyStore;
import dev.transferd.plugin.web.console.Console;
import dev.transferd.plugin.web.http.Exchange;
import dev.transferd.plugin.web.registry.DistributionEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP server (Jetty 12 core, see {@code docs/web.md}): the read-only distribution
 * endpoint under {@code /v2/} and the web console everywhere else, behind one authentication check.
 * HTTP/1.1 with keep-alive, TLS when configured. Each request runs on its own virtual thread, so
 * handlers block on the store and on the network like the ttrpc handlers do. Limits: request
 * headers 16 KiB, uploads {@link WebSettings#maxUploadBytes()}, idle connections 60 s.
 */
public final class WebServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  static final int MAX_HEADER_BYTES = 16 << 10;

  private final Server server;
  private final ServerConnector connector;
  private final Console console;

  private WebServer(Server server, ServerConnector connector, Console console) {
    this.server = server;
    this.connector = connector;
    this.console = console;
  }

  /**
   * Binds {@code settings.address()} and starts serving {@code store}'s namespace {@code
   * settings.namespace()}; the console runs transfers through the daemon's own ttrpc socket {@code
   * ttrpcSocket}, like any client.
   *
   * @throws IOException naming the address, file or setting that stopped it
   */
  public static WebServer start(WebSettings settings, Store store, Path ttrpcSocket)
      throws IOException {
    settings.requireSafeExposure();
    Authenticator auth = Authenticator.load(settings.htpasswd(), settings.tokensFile());
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("web");
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ConnectionFactory[] factories;
    if (settings.tls()) {
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      secure.setSniHostCheck(false);
      http.addCustomizer(secure);
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(PemKeyStore.load(settings.tlsCert(), settings.tlsKey()));
      ssl.setKeyStorePassword(PemKeyStore.PASSWORD);
      factories =
          new ConnectionFactory[] {
            new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http)
          };
    } else {
      factories = new ConnectionFactory[] {new HttpConnectionFactory(http)};
    }
    ServerConnector connector = new ServerConnector(server, factories);
    String host = WebSettings.host(settings.address());
    connector.setHost(host.isEmpty() ? null : host);
    connector.setPort(WebSettings.port(settings.address()));
    connector.setIdleTimeout(60_000);
    server.addConnector(connector);
    DistributionEndpoint registry =
        new DistributionEndpoint(store.content(), store.images(), settings.namespace());
    Console console =
        new Console(store, settings.namespace(), ttrpcSocket, settings.maxUploadBytes());
    server.setHandler(new Root(auth, registry, console));
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // already failing
      }
      throw new IOException("cannot serve the web console on " + settings.address() + ": " + e, e);
    }
    WebServer web = new WebServer(server, connector, console);
    log.info(
        "web console on {}://{}/ (namespace {})",
        settings.tls() ? "https" : "http",
        hostPort(web.address()),
        settings.namespace());
    return web;
  }

  /** The bound address (the real port when 0 was asked). */
  public InetSocketAddress address() {
    String host = connector.getHost() == null ? "0.0.0.0" : connector.getHost();
    return new InetSocketAddress(host, connector.getLocalPort());
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  @Override
  public void close() {
    try {
      console.close();
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the web server: {}", e.toString());
    }
  }

  /** Authentication, then the endpoint the path belongs to. */
  private static final class Root extends Handler.Abstract {
    private final Authenticator auth;
    private final DistributionEndpoint registry;
    private final Console console;

    Root(Authenticator auth, DistributionEndpoint registry, Console console) {
      this.auth = auth;
      this.registry = registry;
      this.console = console;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Exchange ex = new Exchange(request, response, callback);
      try {
        String path = ex.path();
        if (path == null) {
          ex.sendText(400, "text/plain", "bad path\n");
          return true;
        }
        boolean v2 = DistributionEndpoint.serves(path);
        if (!auth.admits(ex.header("Authorization"))) {
          ex.header("WWW-Authenticate", auth.challenge());
          if (v2) {
            ex.header("Docker-Distribution-API-Version", "registry/2.0");
            ex.sendText(
                401,
                "application/json",
                "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication"
                    + " required\",\"detail\":null}]}");
          } else {
            ex.sendText(401, "text/plain; charset=utf-8", "authentication required\n");
          }
          return true;
        }
        if (v2) {
          registry.handle(ex);
        } else {
          console.handle(ex);
        }
      } catch (Throwable t) {
        log.debug("web request {} {} failed: {}", request.getMethod(), request.getHttpURI(), t);
        if (!ex.committed()) {
          try {
            ex.sendText(500, "text/plain; charset=utf-8", "internal error: " + t.getMessage());
            return true;
          } catch (Throwable ignored) {
            // fall through to failing the exchange
          }
        }
        ex.fail(t);
      }
      return true;
    }
  }
}
