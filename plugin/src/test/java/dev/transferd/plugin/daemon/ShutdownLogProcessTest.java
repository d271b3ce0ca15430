package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transfer that SIGTERM's grace period cuts short still gets its {@code outcome=} log line. */
class ShutdownLogProcessTest {
  @TempDir Path dir;

  @Test
  void aTransferCancelledWhenTheGraceRunsOutIsLoggedWithItsOutcome() throws Exception {
    Path config =
        DaemonProcess.writeConfig(
            dir, "[plugins.\"dev.transferd.v1.transfer\"]\nshutdown_grace = \"1s\"\n");
    try (DaemonProcess transferd =
            DaemonProcess.start(
                dir.resolve("t.sock"), dir.resolve("log"), List.of("--config", config.toString()));
        PipedOutputStream feed = new PipedOutputStream();
        InputStream never = new PipedInputStream(feed, 1 << 16);
        TtrpcClient client = TtrpcClient.connect(transferd.socket)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TransferClient transfers = TransferClient.builder(client).build();
      CompletableFuture<Void> running =
          CompletableFuture.runAsync(
              () -> {
                try {
                  transfers.transfer(ImportArchive.from(never), ExportArchive.to(out));
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      feed.write(new byte[40_000]);
      long echoed = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < 32_768 && System.nanoTime() < echoed) {
        Thread.sleep(10); // the first bytes are back: the transfer is running on the daemon
      }
      assertTrue(out.size() >= 32_768, "echoed so far: " + out.size());

      transferd.process.destroy(); // SIGTERM; the import never ends, so the grace runs out
      assertTrue(transferd.process.waitFor(60, TimeUnit.SECONDS), transferd.log());
      assertEquals(0, transferd.process.exitValue(), transferd.log());
      transferd.awaitLine(
          "transfer echo ImageImportStream -> ImageExportStream namespace=default"
              + " outcome=UNAVAILABLE ");
      running.handle((ok, failed) -> null).get(30, TimeUnit.SECONDS);
    }
  }
}
