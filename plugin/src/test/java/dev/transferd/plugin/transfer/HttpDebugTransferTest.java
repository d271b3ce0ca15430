package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.RegistryImage.HttpDebug;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP debug output ({@code http_debug}, {@code logs_stream}) of pulls and pushes against real
 * registries with basic auth: written to the client's stream, complete when the transfer returns,
 * and never showing a secret.
 */
class HttpDebugTransferTest {
  private static final String USER = "carol";
  private static final String PASSWORD = "pa55-w0rd-do-not-show";

  @TempDir Path tmp;
  private StoreTransferFixture transferd;

  @BeforeEach
  void start() throws Exception {
    transferd = StoreTransferFixture.start(tmp.resolve("store"), EmbeddedStoreOptions.defaults());
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  private static RegistryImage withPassword(String ref, String password) {
    return RegistryImage.of(ref)
        .withCredentials((reference, host) -> Credentials.basic(USER, password));
  }

  private static void assertNoSecret(String out) {
    String basic =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    assertFalse(out.contains(PASSWORD), "the password is never written");
    assertFalse(out.contains(basic), "the Basic credentials are never written");
    assertFalse(
        Pattern.compile("(?i)authorization: (basic|bearer) (?!<redacted>)").matcher(out).find(),
        out);
    assertFalse(Pattern.compile("_state=(?!<redacted>)").matcher(out).find(), out);
  }

  @Test
  void bothLevelsWriteRequestsResponsesAndEventsWithSecretsRedacted() throws Exception {
    try (RegistryFixtures.Pair regs =
        RegistryFixtures.twoBasicAuthRegistriesWithImage(tmp, USER, PASSWORD)) {
      String host = regs.source().host();
      ByteArrayOutputStream pullLog = new ByteArrayOutputStream();
      transferd.client.transfer(
          withPassword(regs.sourceRef(), PASSWORD).withHttpDebug(HttpDebug.BOTH, pullLog),
          StoredImage.named("dbg:1"));
      String out = pullLog.toString(StandardCharsets.UTF_8);

      // DEBUG: request and response lines with headers
      assertTrue(out.contains("> HEAD http://" + host + "/v2/app/multi/manifests/v1\n"), out);
      assertTrue(out.contains("< HTTP/1.1 401 for HEAD http://" + host), out);
      assertTrue(out.contains("< HTTP/1.1 200 for HEAD http://" + host), out);
      assertTrue(out.contains("> Authorization: Basic <redacted>\n"), out);
      var layer = regs.image().layers().getFirst();
      assertTrue(out.contains("> GET http://" + host + "/v2/app/multi/blobs/" + layer.digest()));
      assertTrue(out.contains("< Docker-Content-Digest: " + layer.digest()), out);
      // TRACE: the challenge and each body's size
      assertTrue(out.contains("* challenge from " + host + ": Basic realm=\"basic-realm\""), out);
      assertTrue(
          out.contains(
              "* body of GET http://"
                  + host
                  + "/v2/app/multi/blobs/"
                  + layer.digest()
                  + ": "
                  + layer.size()
                  + " bytes, "),
          out);
      assertNoSecret(out);

      // A push shows the upload session's Location with its state token redacted.
      ByteArrayOutputStream pushLog = new ByteArrayOutputStream();
      String target = regs.destination().host() + "/pushed/app:v1";
      transferd.client.transfer(
          StoredImage.named("dbg:1"),
          withPassword(target, PASSWORD).withHttpDebug(HttpDebug.BOTH, pushLog));
      String pushed = pushLog.toString(StandardCharsets.UTF_8);
      assertTrue(pushed.contains("> PUT http://" + regs.destination().host()), pushed);
      assertTrue(pushed.contains(" with a body of " + layer.size() + " bytes\n"), pushed);
      assertTrue(pushed.contains("_state=<redacted>"), pushed);
      assertNoSecret(pushed);
    }
  }

  @Test
  void eachLevelWritesOnlyItsOwnKindAndAFailedPullStillShowsWhy() throws Exception {
    try (RegistryFixtures.Pair regs =
        RegistryFixtures.twoBasicAuthRegistriesWithImage(tmp, USER, PASSWORD)) {
      ByteArrayOutputStream dump = new ByteArrayOutputStream();
      transferd.client.transfer(
          withPassword(regs.sourceRef(), PASSWORD).withHttpDebug(HttpDebug.DEBUG, dump),
          StoredImage.named("dbg:1"));
      List<String> dumpLines = dump.toString(StandardCharsets.UTF_8).lines().toList();
      assertFalse(dumpLines.isEmpty());
      assertTrue(dumpLines.stream().allMatch(l -> l.startsWith("> ") || l.startsWith("< ")));

      ByteArrayOutputStream trace = new ByteArrayOutputStream();
      transferd.client.transfer(
          withPassword(regs.sourceRef(), PASSWORD).withHttpDebug(HttpDebug.TRACE, trace),
          StoredImage.named("dbg:2"));
      List<String> traceLines = trace.toString(StandardCharsets.UTF_8).lines().toList();
      assertFalse(traceLines.isEmpty());
      assertTrue(traceLines.stream().allMatch(l -> l.startsWith("* ")), traceLines.toString());

      ByteArrayOutputStream failed = new ByteArrayOutputStream();
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () ->
                  transferd.client.transfer(
                      withPassword(regs.sourceRef(), "wrong-" + PASSWORD)
                          .withHttpDebug(HttpDebug.BOTH, failed),
                      StoredImage.named("dbg:3")));
      assertEquals(StatusCode.UNAUTHENTICATED, e.status().code());
      String out = failed.toString(StandardCharsets.UTF_8);
      assertTrue(out.contains("(credentials were sent)"), out);
      assertFalse(out.contains("wrong-" + PASSWORD), out);
    }
  }
}
