package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one caller behind every registry endpoint class (STYLE rule 1, as jib's
 * RegistryEndpointCaller): sends a request to a host and owns what is common to all of them — extra
 * headers, the plain-HTTP fallback of loopback hosts, redirects (followed by hand; {@code
 * Authorization} and the host's headers are dropped when a hop leaves the host), authentication
 * challenges, retries with backoff and {@code Retry-After}, and error messages built from the
 * registry's error JSON. One per transfer and reference; thread-safe.
 */
final class RegistryHttp {
  private static final Logger log = LoggerFactory.getLogger(RegistryHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REDIRECTS = 10;
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");
  static final String USER_AGENT = "transferd/0.1";

  /** A request body that can be produced again for a retry. */
  @FunctionalInterface
  interface Body {
    HttpRequest.BodyPublisher open() throws IOException;
  }

  /**
   * One request.
   *
   * @param what what is being done, for messages ("pull blob sha256:… from 127.0.0.1:5000/app")
   * @param scopes the token scopes the request needs
   */
  record Call(
      String what,
      String method,
      RegistryHost host,
      URI uri,
      Map<String, String> headers,
      Body body,
      List<String> scopes) {}

  private final RegistryAuthenticator authenticator;
  private final RetryPolicy retry;
  private final Map<String, List<String>> extraHeaders;
  private final Map<String, RegistryHost> plainFallback = new ConcurrentHashMap<>();
  private final HttpDebugLog debug;

  RegistryHttp(
      RegistryAuthenticator authenticator,
      RetryPolicy retry,
      Map<String, List<String>> headers,
      HttpDebugLog debug) {
    this.authenticator = authenticator;
    this.retry = retry;
    this.extraHeaders = Map.copyOf(headers);
    this.debug = debug;
  }

  HttpDebugLog debug() {
    return debug;
  }

  /** {@code host} as requests go to it now (after a plain-HTTP fallback). */
  RegistryHost effective(RegistryHost host) {
    return plainFallback.getOrDefault(host.authority() + host.path(), host);
  }

  /**
   * Sends {@code call}, following redirects, answering challenges and retrying transient failures.
   * Returns the final response whatever its status (the caller owns and closes its body), except
   * that a 401 that authentication cannot get past is thrown.
   *
   * @throws RegistryException UNAUTHENTICATED naming the registry, or UNAVAILABLE after the last
   *     attempt failed to connect
   */
  HttpResponse<InputStream> send(Call call) throws InterruptedException {
    return send(call, retry.maxAttempts());
  }

  /**
   * Sends {@code call} like {@link #send} (redirects, challenges, the plain-HTTP fallback) but
   * once: a connection failure is thrown at once and a retryable status is returned, for requests
   * that must not be repeated blindly (a {@code PATCH} cut off midway may have reached the registry
   * in part; its upload session says where to go on).
   */
  HttpResponse<InputStream> sendOnce(Call call) throws InterruptedException {
    return send(call, 1);
  }

  /** The policy's wait before attempt {@code attempt + 1} of {@code call}, logged with why. */
  void backOff(Call call, int attempt, String why) throws InterruptedException {
    pause(call, attempt, retry.delay(attempt, null), why);
  }

  /** How many attempts a request gets. */
  int maxAttempts() {
    return retry.maxAttempts();
  }

  private HttpResponse<InputStream> send(Call call, int maxAttempts) throws InterruptedException {
    int attempt = 0;
    int authRetries = 0;
    while (true) {
      attempt++;
      RegistryHost host = effective(call.host());
      URI uri = rebase(call.uri(), call.host(), host);
      HttpResponse<InputStream> response;
      boolean hadAuthorization;
      try {
        String authorization = authenticator.authorization(host, call.scopes());
        hadAuthorization = authorization != null;
        response = sendFollowingRedirects(call, host, uri, authorization);
      } catch (IOException e) {
        if (host.httpFallback() && isTlsFailure(e)) {
          log.debug(
              "{}: TLS failed ({}), falling back to plain HTTP", host.authority(), e.toString());
          debug.trace(
              host.authority() + ": TLS failed (" + describe(e) + "), falling back to plain HTTP");
          plainFallback.put(call.host().authority() + call.host().path(), host.withScheme("http"));
          attempt--;
          continue;
        }
        if (isCertificateFailure(e)) {
          // Not transient: retrying cannot make the certificate trusted (containerd fails at once).
          throw new RegistryException(
              StatusCode.FAILED_PRECONDITION,
              call.what()
                  + ": "
                  + host.authority()
                  + ": TLS certificate verification failed: "
                  + innermost(e),
              e);
        }
        if (attempt >= maxAttempts) {
          throw new RegistryException(
              StatusCode.UNAVAILABLE,
              call.what()
                  + ": "
                  + host.authority()
                  + " unreachable after "
                  + attempt
                  + " attempts: "
                  + describe(e),
              e);
        }
        pause(call, attempt, retry.delay(attempt, null), describe(e));
        continue;
      }
      int status = response.statusCode();
      if (status == 401) {
        close(response);
        debug.trace(
            "challenge from "
                + host.authority()
                + ": "
                + String.join(", ", response.headers().allValues("WWW-Authenticate"))
                + (hadAuthorization ? " (credentials were sent)" : " (no credentials sent)"));
        // A first challenge, then at most one more for a rejected token (error=...).
        if (authRetries < 2
            && authenticator.challenged(host, response.headers(), hadAuthorization)) {
          authRetries++;
          attempt--;
          continue;
        }
        throw new RegistryException(
            StatusCode.UNAUTHENTICATED,
            call.what()
                + ": registry "
                + host.authority()
                + (authenticator.hasCredentials(host)
                    ? " rejected the credentials (401 Unauthorized)"
                    : " requires authentication and no credentials were given (401 Unauthorized)"));
      }
      if (RetryPolicy.retryable(status) && attempt < maxAttempts) {
        Duration wait = retry.delay(attempt, response.headers());
        close(response);
        pause(call, attempt, wait, "HTTP " + status);
        continue;
      }
      return response;
    }
  }

  private HttpResponse<InputStream> sendFollowingRedirects(
      Call call, RegistryHost host, URI uri, String authorization)
      throws IOException, InterruptedException {
    String method = call.method();
    Body body = call.body();
    boolean sameHost = true;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri);
      b.header("User-Agent", USER_AGENT);
      if (sameHost) {
        host.headers().forEach((k, vs) -> vs.forEach(v -> addHeader(b, k, v)));
      }
      extraHeaders.forEach(
          (k, vs) -> {
            if (!call.headers().containsKey(k)) {
              vs.forEach(v -> addHeader(b, k, v));
            }
          });
      call.headers().forEach((k, v) -> addHeader(b, k, v));
      if (sameHost && authorization != null) {
        b.setHeader("Authorization", authorization);
      }
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body.open());
      HttpRequest request = b.build();
      debug.request(request);
      if (debug.traces()) {
        long length = request.bodyPublisher().map(p -> p.contentLength()).orElse(0L);
        if (length != 0) {
          debug.trace(
              "sending "
                  + method
                  + " "
                  + HttpDebugLog.redact(uri)
                  + " with a body of "
                  + (length < 0 ? "unknown length (chunked)" : length + " bytes"));
        }
      }
      long started = System.nanoTime();
      HttpResponse<InputStream> r;
      try {
        r = HttpClients.forHost(host).send(request, HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        RegistryRequestObserver.current().requested(uri.getRawAuthority(), 0);
        debug.trace(
            method
                + " "
                + HttpDebugLog.redact(uri)
                + ": no response after "
                + (System.nanoTime() - started) / 1_000_000
                + " ms: "
                + describe(e));
        throw e;
      }
      debug.response(r, System.nanoTime() - started);
      int status = r.statusCode();
      RegistryRequestObserver.current().requested(uri.getRawAuthority(), status);
      boolean redirect =
          status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
      if (!redirect || r.headers().firstValue("Location").isEmpty()) {
        return debug.traces() ? new TracedResponse(r, debug, started) : r;
      }
      close(r);
      if (hop >= MAX_REDIRECTS) {
        throw new IOException("more than " + MAX_REDIRECTS + " redirects");
      }
      URI next = uri.resolve(r.headers().firstValue("Location").get());
      boolean wasSameHost = sameHost;
      sameHost &= sameAuthority(uri, next);
      debug.trace(
          "redirect "
              + status
              + " from "
              + HttpDebugLog.redact(uri)
              + " to "
              + HttpDebugLog.redact(next)
              + (sameHost
                  ? (authorization != null ? " (same host: Authorization kept)" : " (same host)")
                  : wasSameHost
                      ? " (another host: Authorization and host headers not sent)"
                      : " (another host)"));
      if (status == 303 || ((status == 301 || status == 302) && !method.equals("HEAD"))) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
          body = null;
        }
        method = method.equals("HEAD") ? "HEAD" : "GET";
      }
      uri = next;
    }
  }

  private static boolean sameAuthority(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && String.valueOf(a.getAuthority()).equalsIgnoreCase(String.valueOf(b.getAuthority()));
  }

  private static void addHeader(HttpRequest.Builder b, String name, String value) {
    if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
      b.header(name, value);
    }
  }

  private static URI rebase(URI uri, RegistryHost configured, RegistryHost now) {
    if (configured.scheme().equals(now.scheme())
        || !uri.getScheme().equals(configured.scheme())
        || !String.valueOf(uri.getRawAuthority()).equalsIgnoreCase(now.authority())) {
      return uri;
    }
    return URI.create(now.scheme() + uri.toString().substring(uri.getScheme().length()));
  }

  /** Whether {@code e} is a handshake that failed on the registry's certificate. */
  private static boolean isCertificateFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return true;
      }
    }
    return false;
  }

  /** The deepest cause's message: the one that says what was wrong with a certificate. */
  private static String innermost(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }

  private static boolean isTlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  private void pause(Call call, int attempt, Duration wait, String why)
      throws InterruptedException {
    log.info("{}: {} (attempt {}), retrying in {} ms", call.what(), why, attempt, wait.toMillis());
    debug.trace(
        call.what()
            + ": "
            + why
            + " (attempt "
            + attempt
            + " of "
            + retry.maxAttempts()
            + "), retrying in "
            + wait.toMillis()
            + " ms");
    Thread.sleep(wait);
  }

  static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
  }

  static void close(HttpResponse<InputStream> r) {
    try {
      r.body().close();
    } catch (IOException e) {
      // nothing left to do with this response
    }
  }

  /**
   * The error for a response the caller did not expect: the status, and the registry's error codes
   * and messages when its body is the distribution error JSON. Closes the body.
   */
  static RegistryException failure(Call call, HttpResponse<InputStream> r) {
    String detail = "";
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(8192);
      JsonNode errors = JSON.readTree(body).path("errors");
      StringBuilder sb = new StringBuilder();
      for (JsonNode e : errors) {
        sb.append(sb.isEmpty() ? "" : "; ")
            .append(e.path("code").asText(""))
            .append(e.has("message") ? ": " + e.get("message").asText() : "");
      }
      detail = sb.toString();
    } catch (IOException | RuntimeException e) {
      // not the error JSON: the status says enough
    }
    return new RegistryException(
        RegistryException.codeForHttp(r.statusCode()),
        call.what()
            + ": "
            + call.host().authority()
            + " answered "
            + r.statusCode()
            + (detail.isEmpty() ? "" : " (" + detail + ")"));
  }

  /** A response whose body reports its size and timing to the trace when it ends. */
  private static final class TracedResponse implements HttpResponse<InputStream> {
    private final HttpResponse<InputStream> r;
    private final InputStream body;

    TracedResponse(HttpResponse<InputStream> r, HttpDebugLog debug, long started) {
      this.r = r;
      this.body = debug.traceBody(r.request().method(), r.uri(), r.body(), started);
    }

    @Override
    public int statusCode() {
      return r.statusCode();
    }

    @Override
    public HttpRequest request() {
      return r.request();
    }

    @Override
    public java.util.Optional<HttpResponse<InputStream>> previousResponse() {
      return r.previousResponse();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return r.headers();
    }

    @Override
    public InputStream body() {
      return body;
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return r.sslSession();
    }

    @Override
    public URI uri() {
      return r.uri();
    }

    @Override
    public java.net.http.HttpClient.Version version() {
      return r.version();
    }
  }
}
