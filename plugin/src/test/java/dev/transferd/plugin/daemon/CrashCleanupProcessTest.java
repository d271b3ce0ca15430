package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.services.LeasesService;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.proto.leases.v1.DeleteRequest;
import dev.transferd.proto.leases.v1.ListRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon SIGKILLed in the middle of an import leaves its transfer's lease and a partial ingest on
 * disk. The next daemon on the same root releases that lease when it starts, and its collector then
 * removes the ingest once the configured {@code ingest_grace} has passed: nothing is left.
 */
class CrashCleanupProcessTest {
  private static final String NS = "default";
  private static final long LAYER = 64L << 20;

  @TempDir Path dir;

  private static CallOptions inNamespace() {
    return CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, NS);
  }

  /** The data files of the root's ingests (the directory may not exist yet). */
  private List<Path> ingestData() throws IOException {
    Path ingests = dir.resolve("root/content/ingest");
    if (!Files.isDirectory(ingests)) {
      return List.of();
    }
    try (Stream<Path> all = Files.list(ingests)) {
      return all.map(d -> d.resolve("data")).filter(Files::exists).toList();
    }
  }

  private List<Path> ingestDirectories() throws IOException {
    try (Stream<Path> all = Files.list(dir.resolve("root/content/ingest"))) {
      return all.toList();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Starts an import of a docker save whose one layer arrives in part and then never ends. */
  private static Thread stalledImport(Path socket) throws IOException {
    PipedInputStream archive = new PipedInputStream(1 << 20);
    OutputStream feed = new PipedOutputStream(archive);
    Thread.ofVirtual()
        .start(
            () -> {
              try (TtrpcClient client = TtrpcClient.connect(socket)) {
                TransferClient.builder(client)
                    .namespace(NS)
                    .build()
                    .transfer(ImportArchive.from(archive), StoredImage.named("crash/me:1"));
              } catch (IOException | RuntimeException e) {
                // the daemon is killed under it: an error is all it can get
              }
            });
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(feed);
                TarArchiveEntry layer = new TarArchiveEntry("l0.tar");
                layer.setSize(LAYER);
                tar.putArchiveEntry(layer);
                byte[] chunk = new byte[1 << 20];
                SplittableRandom random = new SplittableRandom(1);
                for (int i = 0; i < 16; i++) {
                  random.nextBytes(chunk);
                  tar.write(chunk);
                }
                tar.flush(); // and stall: the rest of the layer never comes
              } catch (IOException e) {
                // the pipe broke when the daemon died
              }
            });
  }

  @Test
  void aKilledImportLeavesNoLeaseAndNoIngestAfterARestart() throws Exception {
    Path config =
        DaemonProcess.writeConfig(
            dir,
            """
            [plugins."dev.transferd.v1.transfer"]
              ingest_grace = "1s"
            """);
    Path socket = dir.resolve("t.sock");
    List<String> args = List.of("--config", config.toString());
    try (DaemonProcess first = DaemonProcess.start(socket, dir.resolve("first.log"), args)) {
      stalledImport(socket);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ingestData().stream().mapToLong(CrashCleanupProcessTest::size).sum() < (4 << 20)) {
        assertTrue(System.nanoTime() < deadline, () -> "no ingest grew:\n" + first.log());
        Thread.sleep(10);
      }
      first.process.destroyForcibly().waitFor(); // SIGKILL: no cleanup of any kind
    }

    // What the dead daemon left: its transfer's lease and the partial layer.
    try (EmbeddedStore left =
        EmbeddedStore.open(
            dir.resolve("root"), EmbeddedStoreOptions.defaults().withGcInterval(Duration.ZERO))) {
      List<Lease> leases = left.leases().list(NS, List.of());
      assertEquals(1, leases.size(), leases.toString());
      assertEquals("true", leases.getFirst().labels().get("dev.transferd/transfer-lease"));
      assertEquals(1, left.content().listStatuses(NS, List.of()).size(), "one partial ingest");
    }

    Files.deleteIfExists(socket);
    try (DaemonProcess second = DaemonProcess.start(socket, dir.resolve("second.log"), args);
        TtrpcClient client = TtrpcClient.connect(socket)) {
      assertEquals(
          List.of(),
          client
              .call(LeasesService.LIST, ListRequest.getDefaultInstance(), inNamespace())
              .getLeasesList(),
          "the dead transfer's lease was released on start");
      // Collect now, as `ctr leases rm --sync` does, until the grace has passed.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!ingestDirectories().isEmpty()) {
        assertTrue(System.nanoTime() < deadline, () -> "ingest still there:\n" + second.log());
        client.call(
            LeasesService.CREATE,
            CreateRequest.newBuilder().setId("gc-now").build(),
            inNamespace());
        client.call(
            LeasesService.DELETE,
            DeleteRequest.newBuilder().setId("gc-now").setSync(true).build(),
            inNamespace());
      }
      try (Stream<Path> blobs = Files.list(dir.resolve("root/content/blobs/sha256"))) {
        assertEquals(List.of(), blobs.toList(), "no blob either");
      }
    }
  }
}
