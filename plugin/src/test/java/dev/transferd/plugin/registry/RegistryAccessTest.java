package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.streams.callback.RegistryCredentials;
import dev.transferd.ttrpc.StatusCode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authentication, TLS, hosts.toml and retries against real registries. */
class RegistryAccessTest {
  static final String USER = "alice";
  static final String PASSWORD = "s3cret-pa55";

  @TempDir static Path shared;
  @TempDir Path tmp;
  static OciLayout layout;
  static OciLayout.Image image;

  @BeforeAll
  static void buildImage() throws Exception {
    layout = new OciLayout(shared.resolve("layout"));
    image = layout.image(7, List.of("linux/amd64"), 50_000, 1_000);
  }

  static RegistryCredentials password(String pw) {
    return new RegistryCredentials(AuthType.CREDENTIALS, USER, pw);
  }

  static Descriptor desc(OciLayout.Blob b) {
    return RegistryClientTest.desc(b);
  }

  static TestRegistry basicRegistry(Path dir) throws Exception {
    return RegistryFixtures.basicAuthRegistry(dir, USER, PASSWORD);
  }

  /** Resolves and fetches the first layer; returns the layer's bytes. */
  static byte[] pullLayer(String ref, RegistryOptions options) throws Exception {
    return RegistryFixtures.pullFirstLayer(image, ref, options);
  }

  byte[] layerBytes() throws Exception {
    return RegistryFixtures.firstLayerBytes(layout, image);
  }

  @Test
  void basicAuthPullsWithTheClientsCredentials() throws Exception {
    try (TestRegistry r = basicRegistry(tmp.resolve("r"))) {
      Skopeo.push(layout.dir(), r.host() + "/app/basic:v1", "--dest-creds", USER + ":" + PASSWORD);
      List<String> asked = new CopyOnWriteArrayList<>();
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials(
              (host, reference) -> {
                asked.add(host + " " + reference);
                return password(PASSWORD);
              });
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/basic:v1", options));
      assertEquals(List.of(r.host() + " " + r.host() + "/app/basic:v1"), asked);
    }
  }

  @Test
  void badCredentialsAreUnauthenticatedNamingTheRegistry() throws Exception {
    try (TestRegistry r = basicRegistry(tmp.resolve("r"))) {
      Skopeo.push(layout.dir(), r.host() + "/app/basic:v1", "--dest-creds", USER + ":" + PASSWORD);
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials((h, ref) -> password("wrong-guess"));
      RegistryException e =
          assertThrows(
              RegistryException.class, () -> pullLayer(r.host() + "/app/basic:v1", options));
      assertEquals(StatusCode.UNAUTHENTICATED, e.code());
      assertTrue(e.getMessage().contains("registry " + r.host()), e.getMessage());
      assertFalse(e.getMessage().contains("wrong-guess"), e.getMessage());

      RegistryException anonymous =
          assertThrows(
              RegistryException.class,
              () -> pullLayer(r.host() + "/app/basic:v1", RegistryOptions.DEFAULTS));
      assertEquals(StatusCode.UNAUTHENTICATED, anonymous.code());
      assertTrue(anonymous.getMessage().contains(r.host()), anonymous.getMessage());
    }
  }

  @Test
  void dockerConfigCredentialsAreUsedWhenTheClientHasNone() throws Exception {
    try (TestRegistry r = basicRegistry(tmp.resolve("r"))) {
      Skopeo.push(layout.dir(), r.host() + "/app/basic:v1", "--dest-creds", USER + ":" + PASSWORD);
      Path config = tmp.resolve("docker/config.json");
      Files.createDirectories(config.getParent());
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      Files.writeString(config, "{\"auths\":{\"" + r.host() + "\":{\"auth\":\"" + auth + "\"}}}");
      CredentialSource client = CredentialSource.anonymous();
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials(
              client.orElse(new DockerConfigCredentials(config, List.of())));
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/basic:v1", options));
    }
  }

  @Test
  void credsStoreHelperIsRunForTheRegistry() throws Exception {
    try (TestRegistry r = basicRegistry(tmp.resolve("r"))) {
      Skopeo.push(layout.dir(), r.host() + "/app/basic:v1", "--dest-creds", USER + ":" + PASSWORD);
      Path bin = Files.createDirectories(tmp.resolve("bin"));
      Path helper = bin.resolve("docker-credential-testing");
      Path seen = tmp.resolve("helper-saw");
      Files.writeString(
          helper,
          "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" > "
              + seen
              + "\n"
              + "printf '{\"ServerURL\":\"%s\",\"Username\":\""
              + USER
              + "\",\"Secret\":\""
              + PASSWORD
              + "\"}' \"$server\"\n");
      Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path config = tmp.resolve("config.json");
      Files.writeString(config, "{\"credsStore\":\"testing\"}");
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials(
              new DockerConfigCredentials(config, List.of(bin)));
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/basic:v1", options));
      assertEquals(r.host(), Files.readString(seen).trim());
    }
  }

  TestRegistry tokenRegistry(TokenIssuer issuer) throws Exception {
    return TestRegistry.start(
        tmp.resolve("r"), issuer.authConfig(tmp.resolve("issuer/token.crt")), "");
  }

  @Test
  void tokenAuthWithPasswordUsesTheOAuthPasswordGrant() throws Exception {
    try (TokenIssuer issuer = new TokenIssuer(tmp.resolve("issuer"), USER, PASSWORD, "refresh-1");
        TestRegistry r = tokenRegistry(issuer)) {
      Skopeo.push(layout.dir(), r.host() + "/app/token:v1", "--dest-creds", USER + ":" + PASSWORD);
      issuer.requests.clear();
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials((h, ref) -> password(PASSWORD));
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/token:v1", options));
      // One token for the repository's pull scope, reused for the resolve and the fetch.
      assertEquals(List.of("POST password ok"), issuer.requests);
    }
  }

  @Test
  void tokenAuthWithARefreshTokenUsesTheRefreshGrant() throws Exception {
    try (TokenIssuer issuer = new TokenIssuer(tmp.resolve("issuer"), USER, PASSWORD, "refresh-1");
        TestRegistry r = tokenRegistry(issuer)) {
      Skopeo.push(layout.dir(), r.host() + "/app/token:v1", "--dest-creds", USER + ":" + PASSWORD);
      issuer.requests.clear();
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withCredentials(
              (h, ref) -> new RegistryCredentials(AuthType.REFRESH, "", "refresh-1"));
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/token:v1", options));
      assertEquals(List.of("POST refresh_token ok"), issuer.requests);

      RegistryException e =
          assertThrows(
              RegistryException.class,
              () ->
                  pullLayer(
                      r.host() + "/app/token:v1",
                      RegistryOptions.DEFAULTS.withCredentials(
                          (h, ref) -> new RegistryCredentials(AuthType.REFRESH, "", "stale"))));
      assertEquals(StatusCode.UNAUTHENTICATED, e.code());
      assertTrue(e.getMessage().contains(r.host()), e.getMessage());
      assertFalse(e.getMessage().contains("stale"), e.getMessage());
    }
  }

  @Test
  void tlsRegistryIsTrustedThroughTheCaInHostsToml() throws Exception {
    Path certs = tmp.resolve("certs");
    TestCerts.selfSigned(certs, "ca", "test-ca");
    TestCerts.serverFor127(certs, "server");
    try (TestRegistry r = TestRegistry.tls(tmp.resolve("r"), certs, false)) {
      Skopeo.push(layout.dir(), r.host() + "/app/tls:v1");
      Path hostDir = tmp.resolve("certs.d").resolve("127.0.0.1_" + r.port() + "_");
      Files.createDirectories(hostDir);
      Files.copy(certs.resolve("ca.crt"), hostDir.resolve("ca.crt"));
      Files.writeString(
          hostDir.resolve("hosts.toml"),
          RegistryFixtures.httpsHostsToml(r.host(), "  ca = \"ca.crt\"\n"));
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withHostDir(tmp.resolve("certs.d").toString());
      assertArrayEquals(layerBytes(), pullLayer(r.host() + "/app/tls:v1", options));

      // The same host without the CA: the certificate is refused, not silently skipped, and at
      // once: with an hour between attempts, a retry would outlast the timeout.
      Files.writeString(hostDir.resolve("hosts.toml"), "server = \"https://" + r.host() + "\"\n");
      RegistryOptions patient =
          options.withRetry(
              new RetryPolicy(6, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)));
      RegistryException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  assertThrows(
                      RegistryException.class, () -> pullLayer(r.host() + "/app/tls:v1", patient)));
      assertEquals(StatusCode.FAILED_PRECONDITION, e.code());
      assertTrue(
          e.getMessage().contains(r.host() + ": TLS certificate verification failed: "),
          e.getMessage());
    }
  }

  @Test
  void mirrorFromHostsTomlServesTheImage() throws Exception {
    try (TestRegistry mirror = TestRegistry.plain(tmp.resolve("mirror"));
        TestRegistry upstream = TestRegistry.plain(tmp.resolve("upstream"))) {
      Skopeo.push(layout.dir(), mirror.host() + "/app/mirrored:v1");
      Path hostDir = tmp.resolve("certs.d").resolve("127.0.0.1_" + upstream.port() + "_");
      Files.createDirectories(hostDir);
      Files.writeString(
          hostDir.resolve("hosts.toml"),
          "server = \"http://"
              + upstream.host()
              + "\"\n\n[host.\"http://"
              + mirror.host()
              + "\"]\n"
              + "  capabilities = [\"pull\", \"resolve\"]\n  header = { X-Mirror-Test = \"yes\" }\n");
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withHostDir(tmp.resolve("certs.d").toString());
      assertArrayEquals(layerBytes(), pullLayer(upstream.host() + "/app/mirrored:v1", options));
      assertTrue(Files.readString(mirror.log()).contains("ns=127.0.0.1"), "the mirror saw ?ns=");
    }
  }

  @Test
  void tooManyRequestsWithRetryAfterIsWaitedOutAndRetried() throws Exception {
    try (TestRegistry r = TestRegistry.plain(tmp.resolve("r"))) {
      Skopeo.push(layout.dir(), r.host() + "/app/busy:v1");
      List<Long> blobRequests = new CopyOnWriteArrayList<>();
      HttpClient forward = HttpClient.newHttpClient();
      HttpServer front = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      front.createContext(
          "/",
          x -> {
            try (x) {
              String path = x.getRequestURI().toString();
              if (path.contains("/blobs/")) {
                blobRequests.add(System.nanoTime());
                if (blobRequests.size() == 1) {
                  x.getResponseHeaders().add("Retry-After", "2");
                  x.sendResponseHeaders(429, -1);
                  return;
                }
              }
              HttpRequest.Builder b =
                  HttpRequest.newBuilder(URI.create(r.url() + path))
                      .method(x.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
              x.getRequestHeaders()
                  .forEach(
                      (k, vs) -> {
                        if (k.equalsIgnoreCase("Accept") || k.equalsIgnoreCase("Range")) {
                          vs.forEach(v -> b.header(k, v));
                        }
                      });
              HttpResponse<InputStream> resp =
                  forward.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
              resp.headers()
                  .map()
                  .forEach(
                      (k, vs) -> {
                        if (!k.equalsIgnoreCase("content-length")
                            && !k.equalsIgnoreCase(":status")) {
                          x.getResponseHeaders().put(k, vs);
                        }
                      });
              boolean head = x.getRequestMethod().equals("HEAD");
              long length = resp.headers().firstValueAsLong("Content-Length").orElse(0);
              if (head) {
                x.getResponseHeaders().add("Content-Length", Long.toString(length));
              }
              x.sendResponseHeaders(resp.statusCode(), head ? -1 : (length == 0 ? -1 : length));
              try (InputStream in = resp.body();
                  OutputStream out = x.getResponseBody()) {
                in.transferTo(out);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      front.start();
      try {
        String ref = "127.0.0.1:" + front.getAddress().getPort() + "/app/busy:v1";
        assertArrayEquals(
            layerBytes(), pullLayer(ref, RegistryOptions.DEFAULTS.withDefaultScheme("http")));
        assertEquals(2, blobRequests.size());
        long waitedMillis = (blobRequests.get(1) - blobRequests.get(0)) / 1_000_000;
        assertTrue(
            waitedMillis >= 2000, "retried after " + waitedMillis + " ms, asked to wait 2 s");
      } finally {
        front.stop(0);
      }
    }
  }
}
