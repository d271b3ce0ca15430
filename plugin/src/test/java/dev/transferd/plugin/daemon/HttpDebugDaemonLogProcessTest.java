package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code http_debug} without a {@code logs_stream}: the dump goes to the daemon's own log. */
class HttpDebugDaemonLogProcessTest {
  private static final String USER = "fay";
  private static final String PASSWORD = "daemon-log-secret-9";

  @TempDir Path dir;

  @Test
  void withoutAStreamTheDumpIsInTheDaemonLogAtDebugWithSecretsRedacted() throws Exception {
    try (RegistryFixtures.Pair regs =
        RegistryFixtures.twoBasicAuthRegistriesWithImage(dir, USER, PASSWORD)) {
      Path config = DaemonProcess.writeConfig(dir, "[debug]\nlevel = \"debug\"\n");
      try (DaemonProcess daemon =
              DaemonProcess.start(
                  dir.resolve("t.sock"),
                  dir.resolve("transferd.log"),
                  List.of("--config", "" + config));
          TtrpcClient ttrpc = TtrpcClient.connect(daemon.socket)) {
        TransferClient.builder(ttrpc)
            .namespace("default")
            .build()
            .transfer(
                RegistryImage.of(regs.sourceRef())
                    .withDefaultScheme("http")
                    .withCredentials((ref, host) -> Credentials.basic(USER, PASSWORD))
                    .withHttpDebug(RegistryImage.HttpDebug.DEBUG, null),
                StoredImage.named("logged:1"));
        String log = daemon.log();
        assertTrue(
            log.contains("> GET http://" + regs.source().host() + "/v2/app/multi/blobs/"), log);
        assertTrue(log.contains("> Authorization: Basic <redacted>"), log);
        assertFalse(log.contains(PASSWORD), "the password is not in the daemon's log");
      }
    }
  }
}
