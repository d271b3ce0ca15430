package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose connection goes mid-import (as when the process is killed): the daemon aborts the
 * import's ingest and deletes its lease at once, without waiting for a collection or a grace.
 */
class ClientGoneImportTest {
  private static final String NS = "default";
  @TempDir Path tmp;
  private StoreTransferFixture transferd;

  @BeforeEach
  void start() throws Exception {
    transferd =
        StoreTransferFixture.start(
            tmp.resolve("store"),
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO)
                .withStaleIngestAge(Duration.ofDays(1)));
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  private long ingested() {
    return transferd.store.content().listStatuses(NS, List.of()).stream()
        .mapToLong(IngestStatus::offset)
        .sum();
  }

  @RepeatedTest(5) // the race between cancellation and clean-up does not show every time
  void theImportsIngestAndLeaseGoWhenItsClientDoes() throws Exception {
    PipedInputStream archive = new PipedInputStream(1 << 20);
    OutputStream feed = new PipedOutputStream(archive);
    TtrpcClient ttrpc = TtrpcClient.connect(transferd.streaming.socket);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                TransferClient.builder(ttrpc)
                    .namespace(NS)
                    .build()
                    .transfer(ImportArchive.from(archive), StoredImage.named("gone/client:1"));
              } catch (IOException | RuntimeException e) {
                // its connection is closed under it
              }
            });
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(feed);
                TarArchiveEntry layer = new TarArchiveEntry("l0.tar");
                layer.setSize(64L << 20);
                tar.putArchiveEntry(layer);
                byte[] chunk = new byte[1 << 20];
                SplittableRandom random = new SplittableRandom(3);
                for (int i = 0; i < 16; i++) {
                  random.nextBytes(chunk);
                  tar.write(chunk);
                }
                tar.flush(); // and stall
              } catch (IOException e) {
                // the pipe's reader is gone
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (ingested() < (4 << 20)) {
      assertTrue(System.nanoTime() < deadline, "no ingest grew");
      Thread.sleep(10);
    }
    assertEquals(1, transferd.store.leases().list(NS, List.of()).size(), "the import's lease");

    ttrpc.close(); // the client is gone

    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!transferd.store.content().listStatuses(NS, List.of()).isEmpty()
        || !transferd.store.leases().list(NS, List.of()).isEmpty()) {
      assertTrue(
          System.nanoTime() < deadline,
          () ->
              "left behind: "
                  + transferd.store.content().listStatuses(NS, List.of())
                  + " "
                  + transferd.store.leases().list(NS, List.of()));
      Thread.sleep(10);
    }
  }
}
