package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.streams.callback.RegistryCredentials;
import dev.transferd.ttrpc.StatusCode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where requests go and what goes with them, against real registries: redirects to another host
 * (credentials left behind) and on the same host (kept), TLS client certificates from hosts.toml,
 * and the {@code _default} hosts directory.
 */
class RegistryHopsTest {
  private static final String USER = "erin";
  private static final String PASSWORD = "hop-secret-77";

  @TempDir static Path shared;
  @TempDir Path tmp;
  static OciLayout layout;
  static OciLayout.Image image;

  @BeforeAll
  static void buildImage() throws Exception {
    layout = new OciLayout(shared.resolve("layout"));
    image = layout.image(23, List.of("linux/amd64"), 70_000, 2_000);
  }

  private static byte[] layerBytes() throws Exception {
    return RegistryFixtures.firstLayerBytes(layout, image);
  }

  private static RegistryOptions withPassword() {
    return RegistryOptions.DEFAULTS
        .withDefaultScheme("http")
        .withCredentials(
            (host, reference) -> new RegistryCredentials(AuthType.CREDENTIALS, USER, PASSWORD));
  }

  /** A plain HTTP server that serves a registry's blobs by digest and records what it was sent. */
  private static final class BlobHost implements AutoCloseable {
    final HttpServer server;
    final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    final List<String> queries = Collections.synchronizedList(new ArrayList<>());

    BlobHost(TestRegistry registry) throws Exception {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/blob/",
          x -> {
            authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            queries.add(x.getRequestURI().getRawQuery());
            String digest = x.getRequestURI().getPath().substring("/blob/".length());
            byte[] bytes = Files.readAllBytes(registry.blobData(digest));
            x.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = x.getResponseBody()) {
              out.write(bytes);
            }
          });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  void aCrossHostRedirectLeavesTheCredentialsBehindAndASameHostOneKeepsThem() throws Exception {
    try (TestRegistry r = RegistryFixtures.basicAuthRegistry(tmp.resolve("r"), USER, PASSWORD);
        FaultFront front = FaultFront.forwardingTo(r);
        BlobHost other = new BlobHost(r)) {
      Skopeo.push(layout.dir(), r.host() + "/app/hops:v1", "--dest-creds", USER + ":" + PASSWORD);
      // another host name and port, with a token in the query as pre-signed storage URLs have
      front.redirectBlobs(d -> "http://localhost:" + other.port() + "/blob/" + d + "?sig=s3cr3t");
      ByteArrayOutputStream debug = new ByteArrayOutputStream();
      RegistryOptions options =
          withPassword().withDebug(HttpDebugLog.to(HttpDebugLog.Level.BOTH, debug));
      assertArrayEquals(layerBytes(), pull(front.host() + "/app/hops:v1", options));

      assertEquals(List.of("null"), other.authorizations, "nothing sent to the other host");
      assertEquals(List.of("sig=s3cr3t"), other.queries);
      FaultFront.Seen redirected =
          front.seen().stream().filter(s -> s.status() == 307).findFirst().orElseThrow();
      assertTrue(redirected.authorization().startsWith("Basic "), "the registry itself got them");
      String out = debug.toString(StandardCharsets.UTF_8);
      assertTrue(out.contains("(another host: Authorization and host headers not sent)"), out);
      assertTrue(out.contains("?sig=<redacted>"), out);
      assertFalse(out.contains("s3cr3t"), out);

      // the same host (a relative Location): the credentials go along
      front.redirectBlobs(d -> FaultFront.OWN_BLOBS + d);
      assertArrayEquals(layerBytes(), pull(front.host() + "/app/hops:v1", withPassword()));
      FaultFront.Seen own =
          front.seen().stream()
              .filter(s -> s.path().startsWith(FaultFront.OWN_BLOBS))
              .findFirst()
              .orElseThrow();
      assertNotNull(own.authorization());
      assertTrue(own.authorization().startsWith("Basic "), own.authorization());
    }
  }

  @Test
  void aClientCertificateFromHostsTomlIsPresentedAndItsAbsenceIsAClearError() throws Exception {
    Path certs = tmp.resolve("certs");
    TestCerts.selfSigned(certs, "ca", "test-ca");
    TestCerts.serverFor127(certs, "server");
    TestCerts.clientSignedByCa(certs, "client", "transferd-test-client");
    try (TestRegistry r = TestRegistry.tls(tmp.resolve("r"), certs, true)) {
      // skopeo's cert dir: *.crt are CAs, *.cert with *.key a client pair
      Path skopeoCerts = tmp.resolve("skopeo-certs");
      Files.createDirectories(skopeoCerts);
      Files.copy(certs.resolve("ca.crt"), skopeoCerts.resolve("ca.crt"));
      Files.copy(certs.resolve("client.crt"), skopeoCerts.resolve("client.cert"));
      Files.copy(certs.resolve("client.key"), skopeoCerts.resolve("client.key"));
      Skopeo.push(layout.dir(), r.host() + "/app/mtls:v1", "--dest-cert-dir", "" + skopeoCerts);
      Path hostDir = tmp.resolve("certs.d").resolve("127.0.0.1_" + r.port() + "_");
      Files.createDirectories(hostDir);
      for (String f : List.of("ca.crt", "client.crt", "client.key")) {
        Files.copy(certs.resolve(f), hostDir.resolve(f));
      }
      Files.writeString(
          hostDir.resolve("hosts.toml"),
          RegistryFixtures.httpsHostsToml(
              r.host(), "  ca = \"ca.crt\"\n  client = [[\"client.crt\", \"client.key\"]]\n"));
      RegistryOptions options =
          RegistryOptions.DEFAULTS.withHostDir(tmp.resolve("certs.d").toString());
      assertArrayEquals(layerBytes(), pull(r.host() + "/app/mtls:v1", options));

      Files.writeString(
          hostDir.resolve("hosts.toml"),
          RegistryFixtures.httpsHostsToml(r.host(), "  ca = \"ca.crt\"\n"));
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () ->
                  pull(
                      r.host() + "/app/mtls:v1",
                      options.withRetry(
                          new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO))));
      // The JDK reports this handshake as a certificate path failure, which is not retried.
      assertEquals(StatusCode.FAILED_PRECONDITION, e.code(), e.getMessage());
      assertTrue(
          e.getMessage().contains(r.host() + ": TLS certificate verification failed"),
          e.getMessage());
    }
  }

  @Test
  void theDefaultDirectoryConfiguresAHostWithoutOneOfItsOwn() throws Exception {
    try (TestRegistry mirror = TestRegistry.plain(tmp.resolve("mirror"));
        TestRegistry upstream = TestRegistry.plain(tmp.resolve("upstream"));
        TestRegistry configured = TestRegistry.plain(tmp.resolve("configured"))) {
      Skopeo.push(layout.dir(), mirror.host() + "/app/dflt:v1");
      Skopeo.push(layout.dir(), configured.host() + "/app/dflt:v1");
      Path dirs = tmp.resolve("certs.d");
      Files.createDirectories(dirs.resolve("_default"));
      Files.writeString(
          dirs.resolve("_default/hosts.toml"),
          "[host.\"http://" + mirror.host() + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
      // a host with a directory of its own does not get _default's mirror
      Path own = dirs.resolve("127.0.0.1_" + configured.port() + "_");
      Files.createDirectories(own);
      Files.writeString(
          own.resolve("hosts.toml"), "server = \"http://" + configured.host() + "\"\n");
      RegistryOptions options = RegistryOptions.DEFAULTS.withHostDir(dirs.toString());

      // upstream is empty: only _default's mirror can serve the image
      assertArrayEquals(layerBytes(), pull(upstream.host() + "/app/dflt:v1", options));
      assertTrue(
          Files.readString(mirror.log()).contains("ns=" + encoded(upstream.host())),
          "the mirror saw ?ns=<upstream>");

      long mirrorRequests = Files.readAllLines(mirror.log()).size();
      assertArrayEquals(layerBytes(), pull(configured.host() + "/app/dflt:v1", options));
      assertFalse(
          Files.readString(mirror.log()).contains("ns=" + encoded(configured.host())),
          "the configured host's pull never asked the mirror");
      assertTrue(Files.readAllLines(mirror.log()).size() >= mirrorRequests);
    }
  }

  private static String encoded(String host) {
    return java.net.URLEncoder.encode(host, StandardCharsets.UTF_8);
  }

  private static byte[] pull(String ref, RegistryOptions options) throws Exception {
    return RegistryFixtures.pullFirstLayer(image, ref, options);
  }
}
