package dev.transferd.plugin.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A plain-HTTP front on 127.0.0.1 that forwards every request to a {@link TestRegistry} (request
 * bodies whole, responses streamed, {@code Location} rewritten to point back at the front) and
 * misbehaves on cue: it can drop one request's connection halfway through its body without
 * forwarding anything, slow response bodies down, and ignore {@code Range} headers. It records what
 * it saw.
 */
public final class FaultFront implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "content-length", "date", "host", "transfer-encoding", "upgrade");

  /**
   * One request the front saw: its {@code Content-Range}, {@code Range} and {@code Authorization}
   * headers (or null), and the status it answered with, -1 for a request the front dropped.
   */
  public record Seen(
      String method,
      String path,
      String contentRange,
      String range,
      int status,
      String authorization) {
    public Seen(String method, String path, String contentRange, String range, int status) {
      this(method, path, contentRange, range, status, null);
    }
  }

  /** Where the front serves blobs from the registry's storage itself, for same-host redirects. */
  public static final String OWN_BLOBS = "/_own-blobs/";

  /** What a request looks like to a drop rule. */
  public record Request(String method, String path, String contentRange) {}

  private final TestRegistry registry;
  private final HttpServer server;
  private final HttpClient upstream =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicReference<Predicate<Request>> dropOnce = new AtomicReference<>();
  private volatile long bytesPerSecond;
  private volatile boolean ignoreRanges;
  private volatile java.util.function.Function<String, String> blobRedirect;

  private FaultFront(TestRegistry registry) throws IOException {
    this.registry = registry;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  public static FaultFront forwardingTo(TestRegistry registry) throws IOException {
    return new FaultFront(registry);
  }

  /** {@code 127.0.0.1:<port>} of the front. */
  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * The next request {@code rule} matches is cut off: half its body is read, then the connection is
   * closed without an answer and nothing reaches the registry.
   */
  public void dropOnce(Predicate<Request> rule) {
    dropOnce.set(rule);
  }

  /** Response bodies go out at about {@code rate} bytes a second from now on; 0 for full speed. */
  public void throttle(long rate) {
    bytesPerSecond = rate;
  }

  /**
   * From now on, {@code Range} headers are not passed on, so the registry answers 200 with the
   * whole blob, as a registry without range support does.
   */
  public void ignoreRanges() {
    ignoreRanges = true;
  }

  /**
   * From now on, blob GETs are answered with a 307 to {@code location.apply(digest)}; a location
   * under {@link #OWN_BLOBS} on this front is served by the front from the registry's storage.
   */
  public void redirectBlobs(java.util.function.Function<String, String> location) {
    blobRedirect = location;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  private void handle(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String path = x.getRequestURI().getRawPath();
    String query = x.getRequestURI().getRawQuery();
    String range = x.getRequestHeaders().getFirst("Content-Range");
    String wanted = x.getRequestHeaders().getFirst("Range");
    String authorization = x.getRequestHeaders().getFirst("Authorization");
    if (path.startsWith(OWN_BLOBS)) {
      byte[] blob =
          java.nio.file.Files.readAllBytes(registry.blobData(path.substring(OWN_BLOBS.length())));
      seen.add(new Seen(method, path, range, wanted, 200, authorization));
      x.sendResponseHeaders(200, blob.length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(blob);
      }
      return;
    }
    java.util.function.Function<String, String> redirect = blobRedirect;
    if (redirect != null && method.equals("GET") && path.matches(".*/blobs/sha256:[0-9a-f]{64}")) {
      x.getResponseHeaders()
          .add("Location", redirect.apply(path.substring(path.lastIndexOf('/') + 1)));
      seen.add(new Seen(method, path, range, wanted, 307, authorization));
      x.sendResponseHeaders(307, -1);
      x.close();
      return;
    }
    Predicate<Request> rule = dropOnce.get();
    if (rule != null
        && rule.test(new Request(method, path, range))
        && dropOnce.compareAndSet(rule, null)) {
      long length = Long.parseLong(x.getRequestHeaders().getFirst("Content-Length"));
      x.getRequestBody().readNBytes((int) (length / 2));
      seen.add(new Seen(method, path, range, wanted, -1));
      // An exception out of the handler makes the server close the connection unanswered.
      throw new IOException("fault front: dropping " + method + " " + path + " halfway");
    }
    byte[] body = x.getRequestBody().readAllBytes();
    HttpRequest.Builder forward =
        HttpRequest.newBuilder(
            URI.create("http://" + registry.host() + path + (query == null ? "" : "?" + query)));
    x.getRequestHeaders()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              if (!HOP_BY_HOP.contains(lower) && !(ignoreRanges && lower.equals("range"))) {
                values.forEach(v -> forward.header(name, v));
              }
            });
    forward.method(
        method,
        body.length == 0
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<InputStream> r;
    try {
      r = upstream.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    seen.add(new Seen(method, path, range, wanted, r.statusCode(), authorization));
    for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("location")) {
        h.getValue()
            .forEach(
                v -> x.getResponseHeaders().add("Location", v.replace(registry.host(), host())));
      } else if (!HOP_BY_HOP.contains(name) || (name.equals("content-length") && isHead(x))) {
        h.getValue().forEach(v -> x.getResponseHeaders().add(h.getKey(), v));
      }
    }
    long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
    try (InputStream in = r.body()) {
      if (isHead(x) || r.statusCode() == 204 || r.statusCode() == 304) {
        x.sendResponseHeaders(r.statusCode(), -1);
        return;
      }
      // -1: no body; 0: chunked (the registry gave no length)
      x.sendResponseHeaders(r.statusCode(), length == 0 ? -1 : length < 0 ? 0 : length);
      copy(in, x.getResponseBody());
    } finally {
      x.close();
    }
  }

  private static boolean isHead(HttpExchange x) {
    return x.getRequestMethod().equals("HEAD");
  }

  private void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long started = System.nanoTime();
    long sent = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
      sent += n;
      long rate = bytesPerSecond;
      if (rate > 0) {
        long due = started + sent * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    upstream.close();
  }
}
