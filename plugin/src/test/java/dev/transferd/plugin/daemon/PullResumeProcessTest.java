package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.FaultFront;
import dev.transferd.plugin.registry.OciLayout;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull whose daemon is killed midway leaves its ingest on disk; the next daemon on the same root
 * continues that download with a {@code Range} request from the ingest's offset.
 */
class PullResumeProcessTest {
  private static final int LAYER = 48 << 20;

  @TempDir Path dir;
  private Process daemon;

  @AfterEach
  void stop() throws Exception {
    if (daemon != null) {
      daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Path start() throws Exception {
    Path config = dir.resolve("transferd.toml");
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/root"
        [ttrpc]
        address = "%1$s/run/t.sock"
        """
            .formatted(dir));
    Path socket = dir.resolve("run/t.sock");
    Files.deleteIfExists(socket); // a killed daemon's; waiting below is for the new one
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Transferd.class.getName());
    command.add("--config");
    command.add(config.toString());
    daemon =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("transferd.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(socket)) {
      assertTrue(daemon.isAlive(), () -> "transferd exited:\n" + log());
      assertTrue(System.nanoTime() < deadline, () -> "no socket after 30 s:\n" + log());
      Thread.sleep(20);
    }
    return socket;
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("transferd.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void pull(Path socket, String ref, String name) throws IOException {
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket)) {
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(RegistryImage.of(ref).withDefaultScheme("http"), StoredImage.named(name));
    }
  }

  /** The data file of the daemon's one ingest, if there is one yet. */
  private Optional<Path> ingestData() throws IOException {
    Path ingests = dir.resolve("root/content/ingest");
    if (!Files.isDirectory(ingests)) {
      return Optional.empty();
    }
    try (Stream<Path> all = Files.list(ingests)) {
      return all.map(d -> d.resolve("data")).filter(Files::exists).findFirst();
    }
  }

  @Test
  void aPullWhoseDaemonWasKilledContinuesFromTheIngestOffsetAfterARestart() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithBigLayer(dir, LAYER);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      OciLayout.Blob big = regs.image().layers().getFirst();
      String ref = front.host() + "/app/multi:v1";
      front.throttle(16 << 20); // slow enough to be killed midway
      Path socket = start();
      CompletableFuture<Void> first =
          CompletableFuture.runAsync(
              () -> {
                try {
                  pull(socket, ref, "big:1");
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ingestData().map(PullResumeProcessTest::size).orElse(0L) < (4 << 20)) {
        assertTrue(System.nanoTime() < deadline, () -> "no ingest grew:\n" + log());
        Thread.sleep(5);
      }
      daemon.destroyForcibly().waitFor(); // SIGKILL: no cleanup of any kind
      assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
      long left = size(ingestData().orElseThrow());
      assertTrue(left > 0 && left < big.size(), "the ingest holds part of the layer: " + left);

      front.throttle(0);
      pull(start(), ref, "big:1");

      List<FaultFront.Seen> resumed =
          front.seen().stream()
              .filter(s -> s.path().endsWith("/blobs/" + big.digest()) && s.range() != null)
              .toList();
      assertEquals(1, resumed.size(), "one ranged request for the layer: " + front.seen());
      assertEquals("bytes=" + left + "-", resumed.getFirst().range());
      assertEquals(206, resumed.getFirst().status());
      assertTrue(
          Files.readAllLines(regs.source().log()).stream()
              .anyMatch(l -> l.contains(big.digest()) && l.contains("\" 206 ")),
          "the registry log shows the 206 partial response");

      daemon.destroy();
      assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "transferd stops on SIGTERM");
      try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("root"))) {
        assertEquals(
            regs.image().root().digest(),
            store.images().get("default", "big:1").orElseThrow().target().getDigest());
        for (OciLayout.Blob b : RegistryFixtures.allBlobs(regs.image())) {
          assertEquals(b.size(), store.content().info("default", b.digest()).orElseThrow().size());
        }
        assertEquals(List.of(), store.content().listStatuses("default", List.of()), "no ingest");
      }
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }
}
