package dev.transferd.plugin.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transfer's HTTP debug output ({@code RegistryResolver.http_debug} / {@code logs_stream},
 * docs/protocol/transfer.md §7.4): DEBUG writes each request and response line with its headers;
 * TRACE writes what happens around them (attempts, retries and their waits, redirects and whether
 * credentials went along, authentication challenges, token requests, the plain-HTTP fallback, body
 * sizes and timings); BOTH writes both. Output goes to an {@link OutputStream} (the client's byte
 * stream) or, without one, to this class's logger at debug level.
 *
 * <p>Secrets never appear: the values of {@code Authorization}, {@code Proxy-Authorization},
 * cookies and any header whose name says token, secret, password or key are replaced by {@value
 * #REDACTED}, as are query parameters named like that (tokens in pre-signed blob URLs, the upload
 * session's {@code _state}) and user information in URLs. Bodies are never written.
 *
 * <p>Thread-safe: a transfer's blob workers write through one instance; each request, response or
 * event is written whole. A write that fails (the client went away) turns the output off for the
 * rest of the transfer without failing it.
 */
public final class HttpDebugLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpDebugLog.class);

  /** What is written, as the proto's {@code HTTPDebug}. */
  public enum Level {
    DISABLED,
    DEBUG,
    TRACE,
    BOTH
  }

  static final String REDACTED = "<redacted>";

  /** Headers whose values are always secret. */
  private static final Set<String> SECRET_HEADERS =
      Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");

  /** Header and query parameter names that say their value is a secret. */
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          "(?i).*(token|secret|passw|credential|signature|sig|key|auth|session|_state|code).*");

  /** Headers that only describe a challenge, kept despite "auth" in the name. */
  private static final Set<String> PUBLIC_HEADERS = Set.of("www-authenticate");

  public static final HttpDebugLog NONE = new HttpDebugLog(Level.DISABLED, null);

  private final boolean dumps;
  private final boolean traces;
  private final OutputStream out; // null: the logger
  private boolean broken;
  private boolean closed;

  private HttpDebugLog(Level level, OutputStream out) {
    this.dumps = level == Level.DEBUG || level == Level.BOTH;
    this.traces = level == Level.TRACE || level == Level.BOTH;
    this.out = out;
  }

  /** Output at {@code level} to {@code out}, which {@link #close} closes. */
  public static HttpDebugLog to(Level level, OutputStream out) {
    return new HttpDebugLog(level, java.util.Objects.requireNonNull(out, "out"));
  }

  /** Output at {@code level} to the daemon's log (this class's logger, at debug). */
  public static HttpDebugLog toLog(Level level) {
    return level == Level.DISABLED ? NONE : new HttpDebugLog(level, null);
  }

  boolean dumps() {
    return dumps && enabled();
  }

  boolean traces() {
    return traces && enabled();
  }

  private boolean enabled() {
    return out != null || log.isDebugEnabled();
  }

  /** Writes {@code request} as sent (DEBUG). */
  void request(HttpRequest request) {
    if (!dumps()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append("> ").append(request.method()).append(' ').append(redact(request.uri()));
    sb.append('\n').append("> Host: ").append(request.uri().getRawAuthority()).append('\n');
    appendHeaders(sb, "> ", request.headers());
    write(sb.toString());
  }

  /** Writes {@code response}'s status line and headers (DEBUG), {@code nanos} after sending. */
  void response(HttpResponse<?> response, long nanos) {
    if (!dumps()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append("< ")
        .append(
            response.version() == java.net.http.HttpClient.Version.HTTP_2 ? "HTTP/2" : "HTTP/1.1")
        .append(' ')
        .append(response.statusCode())
        .append(" for ")
        .append(response.request().method())
        .append(' ')
        .append(redact(response.uri()))
        .append(" (")
        .append(millis(nanos))
        .append(" ms)\n");
    appendHeaders(sb, "< ", response.headers());
    write(sb.toString());
  }

  /** Writes one connection-level event (TRACE); {@code event} must hold no secret. */
  public void trace(String event) {
    if (traces()) {
      write("* " + event + "\n");
    }
  }

  /**
   * {@code body} counted: at its end or close, TRACE gets its size and how long it took from {@code
   * startNanos}. The stream itself unless tracing.
   */
  InputStream traceBody(String what, URI uri, InputStream body, long startNanos) {
    if (!traces()) {
      return body;
    }
    return new CountingBody(body, what + " " + redact(uri), startNanos);
  }

  private void appendHeaders(StringBuilder sb, String prefix, HttpHeaders headers) {
    Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    sorted.putAll(headers.map());
    sorted.forEach(
        (name, values) -> {
          if (name.startsWith(":")) {
            return; // HTTP/2 pseudo-headers
          }
          for (String v : values) {
            sb.append(prefix)
                .append(canonical(name))
                .append(": ")
                .append(redactHeader(name, v))
                .append('\n');
          }
        });
  }

  /** {@code content-type} as {@code Content-Type} (HTTP/1.1 answers come lower-cased). */
  static String canonical(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    boolean upper = true;
    for (char c : name.toCharArray()) {
      sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return sb.toString();
  }

  /** {@code value} of header {@code name} as it may be shown. */
  static String redactHeader(String name, String value) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (PUBLIC_HEADERS.contains(lower)) {
      return value;
    }
    if (SECRET_HEADERS.contains(lower) || SECRET_NAME.matcher(lower).matches()) {
      int space = value.indexOf(' ');
      // keep the scheme ("Bearer", "Basic"): it says which kind of credential went along
      return lower.endsWith("authorization") && space > 0
          ? value.substring(0, space) + " " + REDACTED
          : REDACTED;
    }
    if (lower.equals("location") || lower.equals("content-location")) {
      try {
        return redact(URI.create(value));
      } catch (IllegalArgumentException e) {
        return REDACTED;
      }
    }
    return value;
  }

  /** {@code uri} without user information and with secret query parameters' values redacted. */
  static String redact(URI uri) {
    StringBuilder sb = new StringBuilder();
    if (uri.getScheme() != null) {
      sb.append(uri.getScheme()).append("://");
    }
    if (uri.getRawUserInfo() != null) {
      sb.append(REDACTED).append('@');
    }
    if (uri.getHost() != null) {
      sb.append(uri.getHost());
      if (uri.getPort() != -1) {
        sb.append(':').append(uri.getPort());
      }
    } else if (uri.getRawAuthority() != null) {
      sb.append(uri.getRawAuthority().replaceFirst("^.*@", REDACTED + "@"));
    }
    sb.append(uri.getRawPath() == null ? "" : uri.getRawPath());
    String query = uri.getRawQuery();
    if (query != null) {
      sb.append('?');
      String[] params = query.split("&", -1);
      for (int i = 0; i < params.length; i++) {
        String p = params[i];
        int eq = p.indexOf('=');
        String name = eq < 0 ? p : p.substring(0, eq);
        sb.append(i == 0 ? "" : "&");
        if (eq >= 0 && SECRET_NAME.matcher(name).matches()) {
          sb.append(name).append('=').append(REDACTED);
        } else {
          sb.append(p);
        }
      }
    }
    return sb.toString();
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  private synchronized void write(String text) {
    if (out == null) {
      for (String line : text.split("\n")) {
        log.debug("{}", line);
      }
      return;
    }
    if (broken || closed) {
      return;
    }
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException | RuntimeException e) {
      broken = true;
      log.debug("HTTP debug output stopped: {}", e.toString());
    }
  }

  /** Ends the output: the stream is closed (the client sees its end); later writes are dropped. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (out != null) {
      out.close();
    }
  }

  /** A response body that reports its size and duration once, at its end or close. */
  private final class CountingBody extends InputStream {
    private final InputStream in;
    private final String what;
    private final long start;
    private long count;
    private boolean reported;

    CountingBody(InputStream in, String what, long start) {
      this.in = in;
      this.what = what;
      this.start = start;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b < 0) {
        report("end");
      } else {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        report("failed (" + e.getClass().getSimpleName() + ")");
        throw e;
      }
      if (n < 0) {
        report("end");
      } else {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(n);
      count += skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public void close() throws IOException {
      report("closed");
      in.close();
    }

    private void report(String how) {
      if (reported) {
        return;
      }
      reported = true;
      long nanos = System.nanoTime() - start;
      double mib = count / (1024.0 * 1024.0);
      double seconds = Math.max(nanos, 1) / 1e9;
      trace(
          String.format(
              Locale.ROOT,
              "body of %s: %d bytes, %s after %d ms (%.1f MiB/s)",
              what,
              count,
              how,
              millis(nanos),
              mib / seconds));
    }
  }
}
