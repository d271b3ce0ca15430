package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.streams.callback.RegistryCredentials;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authentication for one transfer (docs/protocol/transfer.md §7.3, containerd's docker authorizer):
 * the first 401 from a host asks the {@link CredentialSource} once; a challenge carrying {@code
 * error=} (a rejected or expired token) asks again, once. Bearer tokens are fetched by OAuth2 POST
 * when there is a secret (password or refresh token grant; GET on 400/401/404/405) or by GET with
 * Basic credentials or anonymously, and cached per host and scope set until they expire. {@code
 * HEADER} credentials are sent as the {@code Authorization} value itself (containerd ignores them).
 * Thread-safe; token fetches for one host are serialized.
 */
final class RegistryAuthenticator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final String CLIENT_ID = "transferd";

  private final CredentialSource source;
  private final String reference;
  private final Map<String, HostAuth> hosts = new ConcurrentHashMap<>();
  private final HttpDebugLog debug;

  RegistryAuthenticator(CredentialSource source, String reference) {
    this(source, reference, HttpDebugLog.NONE);
  }

  RegistryAuthenticator(CredentialSource source, String reference, HttpDebugLog debug) {
    this.source = source;
    this.reference = reference;
    this.debug = debug;
  }

  /** Sends a token request, writing it and its answer (never the form body) to the debug log. */
  private HttpResponse<InputStream> send(HttpClient client, HttpRequest request, String grant)
      throws IOException, InterruptedException {
    debug.request(request);
    debug.trace("token request to " + HttpDebugLog.redact(request.uri()) + " (" + grant + ")");
    long started = System.nanoTime();
    HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    debug.response(r, System.nanoTime() - started);
    return r;
  }

  private record Token(String value, Instant expires) {}

  private static final class HostAuth {
    AuthChallenge challenge; // guarded by this
    RegistryCredentials credentials = CredentialSource.ANONYMOUS; // guarded by this
    boolean retriedAfterError; // guarded by this
    final Map<String, Token> tokens = new ConcurrentHashMap<>();
  }

  /**
   * The {@code Authorization} value for a request to {@code host}, or null before any challenge.
   */
  String authorization(RegistryHost host, List<String> scopes) throws InterruptedException {
    HostAuth auth = hosts.get(host.authority());
    if (auth == null) {
      return null;
    }
    synchronized (auth) {
      if (auth.challenge == null) {
        return null;
      }
      RegistryCredentials c = auth.credentials;
      if (c.type() == AuthType.HEADER && !c.secret().isEmpty()) {
        return c.secret();
      }
      if (auth.challenge.scheme().equals("basic")) {
        if (c.username().isEmpty() || c.secret().isEmpty()) {
          throw new RegistryException(
              StatusCode.UNAUTHENTICATED,
              "registry "
                  + host.authority()
                  + " requires basic authentication and no credentials"
                  + " were given for "
                  + reference);
        }
        return "Basic "
            + Base64.getEncoder()
                .encodeToString((c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
      }
      TreeSet<String> all = new TreeSet<>(scopes);
      String challengeScope = auth.challenge.param("scope");
      if (!challengeScope.isEmpty()) {
        all.addAll(List.of(challengeScope.split(" ")));
      }
      String key = String.join(" ", all);
      Token t = auth.tokens.get(key);
      if (t == null || Instant.now().isAfter(t.expires())) {
        t = fetchToken(host, auth.challenge, c, List.copyOf(all));
        auth.tokens.put(key, t);
      }
      return "Bearer " + t.value();
    }
  }

  /**
   * Takes a 401's challenges into account.
   *
   * @param hadAuthorization whether the rejected request carried an Authorization header
   * @return whether sending the request again may succeed
   * @throws RegistryException UNIMPLEMENTED for a scheme other than Bearer and Basic
   */
  boolean challenged(RegistryHost host, HttpHeaders headers, boolean hadAuthorization)
      throws InterruptedException {
    AuthChallenge challenge = null;
    List<AuthChallenge> all = AuthChallenge.parse(headers.allValues("WWW-Authenticate"));
    for (AuthChallenge c : all) {
      if (c.scheme().equals("bearer") || c.scheme().equals("basic")) {
        challenge = c;
        break;
      }
    }
    if (challenge == null) {
      throw new RegistryException(
          StatusCode.UNIMPLEMENTED,
          "registry "
              + host.authority()
              + " asks for an unsupported authentication scheme"
              + (all.isEmpty() ? "" : " " + all.getFirst().scheme()));
    }
    HostAuth auth = hosts.computeIfAbsent(host.authority(), k -> new HostAuth());
    synchronized (auth) {
      if (auth.challenge == null) {
        auth.challenge = challenge;
        auth.credentials = source.credentials(host.authority(), reference);
        return true;
      }
      if (!challenge.param("error").isEmpty() && !auth.retriedAfterError) {
        auth.retriedAfterError = true;
        auth.challenge = challenge;
        auth.tokens.clear();
        auth.credentials = source.credentials(host.authority(), reference);
        return true;
      }
      if (!hadAuthorization) {
        auth.challenge = challenge;
        return true;
      }
      return false;
    }
  }

  /** Whether credentials (not anonymous) were used with {@code host}. */
  boolean hasCredentials(RegistryHost host) {
    HostAuth auth = hosts.get(host.authority());
    if (auth == null) {
      return false;
    }
    synchronized (auth) {
      return CredentialSource.usable(auth.credentials);
    }
  }

  private Token fetchToken(
      RegistryHost host, AuthChallenge challenge, RegistryCredentials c, List<String> scopes)
      throws InterruptedException {
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new RegistryException(
          StatusCode.UNAUTHENTICATED,
          "registry " + host.authority() + " sent a bearer challenge without a realm");
    }
    URI realmUri;
    try {
      realmUri = URI.create(realm);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          StatusCode.UNAUTHENTICATED,
          "registry " + host.authority() + " sent a bad token realm \"" + realm + "\"");
    }
    HttpClient client = HttpClients.forHost(host);
    String service = challenge.param("service");
    boolean secret = !c.secret().isEmpty() && c.type() != AuthType.NONE;
    try {
      if (secret) {
        List<String> form = new ArrayList<>();
        if (!c.username().isEmpty() && c.type() == AuthType.CREDENTIALS) {
          form.add("grant_type=password");
          form.add("username=" + encode(c.username()));
          form.add("password=" + encode(c.secret()));
        } else {
          form.add("grant_type=refresh_token");
          form.add("refresh_token=" + encode(c.secret()));
        }
        if (!service.isEmpty()) {
          form.add("service=" + encode(service));
        }
        form.add("scope=" + encode(String.join(" ", scopes)));
        form.add("client_id=" + CLIENT_ID);
        HttpRequest post =
            HttpRequest.newBuilder(realmUri)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(String.join("&", form)))
                .build();
        HttpResponse<InputStream> r =
            send(
                client,
                post,
                c.type() == AuthType.CREDENTIALS && !c.username().isEmpty()
                    ? "OAuth2 POST, password grant"
                    : "OAuth2 POST, refresh_token grant");
        int status = r.statusCode();
        boolean fallback =
            status == 400
                || status == 401
                || status == 404
                || (status == 405 && !c.username().isEmpty());
        if (!fallback) {
          return token(host, realmUri, r, "access_token");
        }
        r.body().close();
      }
      StringBuilder query = new StringBuilder();
      if (!service.isEmpty()) {
        query.append("service=").append(encode(service));
      }
      for (String scope : scopes) {
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(scope));
      }
      URI get =
          URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));
      HttpRequest.Builder b = HttpRequest.newBuilder(get).GET();
      if (secret) {
        b.header(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8)));
      }
      return token(
          host,
          realmUri,
          send(client, b.build(), secret ? "GET with Basic credentials" : "anonymous GET"),
          "token");
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.UNAVAILABLE,
          "token server "
              + realmUri.getAuthority()
              + " for registry "
              + host.authority()
              + ": "
              + e,
          e);
    }
  }

  private Token token(RegistryHost host, URI realm, HttpResponse<InputStream> r, String field)
      throws IOException {
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(1 << 20);
      if (r.statusCode() != 200) {
        StatusCode code =
            r.statusCode() == 401 || r.statusCode() == 403
                ? StatusCode.UNAUTHENTICATED
                : RegistryException.codeForHttp(r.statusCode());
        throw new RegistryException(
            code,
            "authentication to registry "
                + host.authority()
                + " failed: token server "
                + realm.getAuthority()
                + " answered "
                + r.statusCode()
                + " for "
                + reference);
      }
      JsonNode json = JSON.readTree(body);
      String value = json.path("access_token").asText("");
      if (value.isEmpty()) {
        value = json.path(field.equals("token") ? "token" : "access_token").asText("");
      }
      if (value.isEmpty()) {
        value = json.path("token").asText("");
      }
      if (value.isEmpty()) {
        throw new RegistryException(
            StatusCode.UNAUTHENTICATED,
            "token server "
                + realm.getAuthority()
                + " for registry "
                + host.authority()
                + " sent no token");
      }
      long seconds = json.path("expires_in").asLong(0);
      Duration life = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_TOKEN_LIFETIME;
      // Renew a little early so that a token does not expire between check and use.
      Duration margin =
          life.compareTo(Duration.ofSeconds(20)) > 0 ? Duration.ofSeconds(10) : Duration.ZERO;
      return new Token(value, Instant.now().plus(life).minus(margin));
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
