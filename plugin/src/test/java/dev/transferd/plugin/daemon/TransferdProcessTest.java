package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code transferd} as its own process: config, serving, logging, SIGTERM. */
class TransferdProcessTest {
  @TempDir Path dir;
  private DaemonProcess transferd;
  private Process daemon;

  @AfterEach
  void stop() throws Exception {
    if (transferd != null) {
      transferd.close();
    }
  }

  private Path start(String configText) throws Exception {
    Path config = dir.resolve("transferd.toml");
    Files.writeString(config, configText);
    transferd =
        DaemonProcess.start(
            dir.resolve("run/t.sock"),
            dir.resolve("transferd.log"),
            List.of("--config", config.toString()));
    daemon = transferd.process;
    return transferd.socket;
  }

  private String read() {
    return transferd.log();
  }

  private String config() {
    return """
        version = 2
        root = "%1$s/root"
        [ttrpc]
        address = "%1$s/run/t.sock"
        mode = "0600"
        [plugins."dev.transferd.v1.transfer"]
        shutdown_grace = "20s"
        """
        .formatted(dir);
  }

  @Test
  void servesOnTheConfiguredSocketLogsEachTransferAndStopsCleanlyOnSigterm() throws Exception {
    Path socket = start(config() + "unknown_knob = 1\n");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    assertTrue(Files.isDirectory(dir.resolve("root")));
    byte[] data = new byte[300_000];
    new java.util.Random(1).nextBytes(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TtrpcClient client = TtrpcClient.connect(socket)) {
      TransferClient.builder(client)
          .build()
          .transfer(ImportArchive.from(new ByteArrayInputStream(data)), ExportArchive.to(out));
    }
    assertArrayEquals(data, out.toByteArray());

    daemon.destroy(); // SIGTERM
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, daemon.exitValue(), read());
    String logged = read();
    assertTrue(logged.contains("WARN"), logged);
    assertTrue(
        logged.contains(
            "transferd.toml:8: plugins.\"dev.transferd.v1.transfer\".unknown_knob: unknown key"),
        logged);
    assertTrue(logged.contains("transferd serving on " + socket), logged);
    assertTrue(
        logged.contains(
            "transfer echo ImageImportStream -> ImageExportStream namespace=default outcome=OK"),
        logged);
    assertTrue(logged.contains("transferd stopped"), logged);
    assertFalse(Files.exists(socket), "the socket is removed");
  }

  @Test
  void sigtermLetsATransferInFlightFinishWithinTheGracePeriod() throws Exception {
    Path socket = start(config());
    PipedOutputStream feed = new PipedOutputStream();
    InputStream slow = new PipedInputStream(feed, 1 << 16);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TtrpcClient client = TtrpcClient.connect(socket)) {
      TransferClient transfers = TransferClient.builder(client).build();
      CompletableFuture<Void> running =
          CompletableFuture.runAsync(
              () -> {
                try {
                  transfers.transfer(ImportArchive.from(slow), ExportArchive.to(out));
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      feed.write(new byte[40_000]); // more than one 32 KiB chunk, so some must come back
      long echoed = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < 32_768 && System.nanoTime() < echoed) {
        Thread.sleep(10); // the first bytes are back: the transfer is running on the daemon
      }
      assertTrue(out.size() >= 32_768, "echoed so far: " + out.size());
      daemon.destroy(); // SIGTERM while the import is still open
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Files.exists(socket) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertFalse(Files.exists(socket), "no new connections during shutdown");
      Thread.sleep(200);
      assertTrue(daemon.isAlive(), () -> "the daemon waits for the transfer:\n" + read());
      assertTrue(read().contains("waiting up to PT20S for"), read());
      feed.write(new byte[20_000]);
      feed.close();
      running.get(30, TimeUnit.SECONDS);
    }
    assertEquals(60_000, out.size(), "the transfer completed");
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, daemon.exitValue());
    assertTrue(read().contains("outcome=OK"), read());
  }

  @Test
  void aBadConfigExitsWithOneNamingTheLine() throws Exception {
    Path config = dir.resolve("bad.toml");
    Files.writeString(config, "version = 2\n[ttrpc]\nmode = 660\n");
    Process p =
        new ProcessBuilder(DaemonProcess.command(List.of("--config", config.toString())))
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), output);
    assertTrue(output.contains(config + ":3: ttrpc.mode must be a file mode"), output);
  }
}
