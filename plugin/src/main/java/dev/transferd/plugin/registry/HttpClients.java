package dev.transferd.plugin.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The daemon's HTTP clients, one per TLS configuration and protocol, shared by every transfer so
 * that connections are pooled. Redirects are never followed by the client ({@code RegistryHttp}
 * does it, dropping credentials across hosts). Proxies come from {@code HTTPS_PROXY}, {@code
 * HTTP_PROXY} and {@code NO_PROXY} (either case), as Go's {@code ProxyFromEnvironment}: loopback
 * destinations never use a proxy.
 */
final class HttpClients {
  private record Key(TlsConfig tls, boolean plain) {}

  /**
   * The JDK client moves response bodies and {@code InputStream} request bodies in buffers of this
   * property's size, each a hand-off between its selector thread and the reader: 16 KiB by default,
   * which made a 1 GiB pull from a local registry spend twice the time of 256 KiB buffers (3.1 s
   * against 1.8 s for the HTTP part alone, docs/benchmarks.md). Read once, when the JDK's HTTP
   * classes load, so it is set before this class builds the first client; a value given on the
   * command line wins.
   */
  static final String BUFSIZE_PROPERTY = "jdk.httpclient.bufsize";

  static final int BUFSIZE = 256 * 1024;

  static {
    if (System.getProperty(BUFSIZE_PROPERTY) == null) {
      System.setProperty(BUFSIZE_PROPERTY, Integer.toString(BUFSIZE));
    }
  }

  private static final Map<Key, HttpClient> CLIENTS = new ConcurrentHashMap<>();
  private static final ProxySelector PROXIES = new EnvironmentProxies(System.getenv());

  private HttpClients() {}

  static HttpClient forHost(RegistryHost host) {
    boolean plain = host.scheme().equals("http");
    TlsConfig tls = plain ? TlsConfig.DEFAULT : host.tls();
    return CLIENTS.computeIfAbsent(new Key(tls, plain), HttpClients::build);
  }

  private static HttpClient build(Key key) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(30))
            .proxy(PROXIES)
            // Deliveries from the selector thread to body readers run on virtual threads, as
            // the readers themselves do: one hand-off fewer than the default pool of platform
            // threads.
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            // h2c upgrade is not offered by registries; HTTP/2 only where TLS negotiates it.
            .version(key.plain() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2);
    if (!key.plain()) {
      b.sslContext(key.tls().sslContext());
    }
    return b.build();
  }

  /** Proxies from the environment, chosen per destination. */
  static final class EnvironmentProxies extends ProxySelector {
    private final Proxy http;
    private final Proxy https;
    private final List<String> noProxy = new ArrayList<>();

    EnvironmentProxies(Map<String, String> env) {
      http = proxy(env, "HTTP_PROXY");
      https = proxy(env, "HTTPS_PROXY");
      String no = first(env, "NO_PROXY");
      if (no != null) {
        for (String s : no.split(",")) {
          if (!s.isBlank()) {
            noProxy.add(s.trim().toLowerCase(Locale.ROOT));
          }
        }
      }
    }

    private static String first(Map<String, String> env, String name) {
      String v = env.get(name);
      if (v == null || v.isEmpty()) {
        v = env.get(name.toLowerCase(Locale.ROOT));
      }
      return v == null || v.isEmpty() ? null : v;
    }

    private static Proxy proxy(Map<String, String> env, String name) {
      String v = first(env, name);
      if (v == null) {
        return null;
      }
      URI u = URI.create(v.contains("://") ? v : "http://" + v);
      int port = u.getPort() != -1 ? u.getPort() : (u.getScheme().equals("https") ? 443 : 80);
      return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(u.getHost(), port));
    }

    @Override
    public List<Proxy> select(URI uri) {
      Proxy p = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
      String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
      if (p == null || bypass(host, uri.getPort())) {
        return List.of(Proxy.NO_PROXY);
      }
      return List.of(p);
    }

    boolean bypass(String host, int port) {
      if (HostsDirectory.isLoopback(host)) {
        return true;
      }
      for (String rule : noProxy) {
        if (rule.equals("*")) {
          return true;
        }
        String r = rule;
        int colon = r.lastIndexOf(':');
        if (colon > 0 && !r.endsWith("]") && r.substring(colon + 1).matches("[0-9]+")) {
          if (Integer.parseInt(r.substring(colon + 1)) != port) {
            continue;
          }
          r = r.substring(0, colon);
        }
        if (r.startsWith(".")) {
          r = r.substring(1);
        }
        if (host.equals(r) || host.endsWith("." + r)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
  }
}
