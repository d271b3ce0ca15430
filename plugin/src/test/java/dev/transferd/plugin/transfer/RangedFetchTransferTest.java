package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.FaultFront;
import dev.transferd.plugin.registry.OciLayout;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code concurrent_layer_fetch_buffer}: a large layer pulled as parallel ranged GETs from a real
 * registry, written in order, digest checked at commit; the fallback to one stream when the
 * registry ignores ranges; the start from an ingest's offset; no deadlock between pulls sharing the
 * service-wide download limit.
 */
class RangedFetchTransferTest {
  private static final int RANGE = 1 << 20;

  @TempDir Path tmp;
  private StoreTransferFixture transferd;
  private EmbeddedStore store;

  @BeforeEach
  void start() throws Exception {
    transferd =
        StoreTransferFixture.start(
            tmp.resolve("store"),
            EmbeddedStoreOptions.defaults(),
            TransferObserver.NONE,
            TransferSettings.DEFAULTS.withConcurrentLayerFetchBuffer(RANGE));
    store = transferd.store;
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  private void pull(String ref, String name) throws Exception {
    transferd.client.transfer(
        RegistryImage.of(ref).withDefaultScheme("http"), StoredImage.named(name));
  }

  private void assertStoredAsPushed(RegistryFixtures.Pair regs, OciLayout.Blob blob)
      throws Exception {
    try (InputStream in = store.content().read("default", blob.digest(), 0)) {
      assertArrayEquals(Files.readAllBytes(regs.layout().blob(blob.digest())), in.readAllBytes());
    }
  }

  private static List<FaultFront.Seen> blobGets(FaultFront front, OciLayout.Blob blob) {
    return front.seen().stream()
        .filter(s -> s.method().equals("GET") && s.path().endsWith("/blobs/" + blob.digest()))
        .toList();
  }

  @Test
  void aLargeLayerArrivesAsRangesInOrderAndByteIdentical() throws Exception {
    try (RegistryFixtures.Pair regs =
            RegistryFixtures.twoRegistriesWithBigLayer(tmp, 5 * RANGE + 12345);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      OciLayout.Blob big = regs.image().layers().getFirst();
      pull(front.host() + "/app/multi:v1", "big:1");

      assertEquals(
          regs.image().root().digest(),
          store.images().get("default", "big:1").orElseThrow().target().getDigest());
      assertStoredAsPushed(regs, big);
      List<FaultFront.Seen> gets = blobGets(front, big);
      long ranges = (big.size() + RANGE - 1) / RANGE;
      assertEquals(ranges, gets.size(), gets.toString());
      assertEquals(
          expectedRanges(0, big.size()),
          gets.stream().map(FaultFront.Seen::range).sorted(this::byStart).toList());
      assertTrue(gets.stream().allMatch(s -> s.status() == 206), gets.toString());
      long partials =
          Files.readAllLines(regs.source().log()).stream()
              .filter(l -> l.contains(big.digest()) && l.contains("\" 206 " + RANGE + " "))
              .count();
      assertEquals(ranges - 1, partials, "the registry log shows the full-size 206 ranges");
    }
  }

  /** The ranges of {@value #RANGE} bytes that cover {@code [from, size)}. */
  private static List<String> expectedRanges(long from, long size) {
    List<String> ranges = new ArrayList<>();
    for (long at = from; at < size; at += RANGE) {
      ranges.add("bytes=" + at + "-" + (Math.min(at + RANGE, size) - 1));
    }
    return ranges;
  }

  private int byStart(String a, String b) {
    return Long.compare(start(a), start(b));
  }

  private static long start(String range) {
    return Long.parseLong(range.substring("bytes=".length(), range.indexOf('-')));
  }

  @Test
  void aRegistryThatIgnoresRangesIsReadAsOneStream() throws Exception {
    try (RegistryFixtures.Pair regs =
            RegistryFixtures.twoRegistriesWithBigLayer(tmp, 3 * RANGE + 7);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      front.ignoreRanges();
      OciLayout.Blob big = regs.image().layers().getFirst();
      pull(front.host() + "/app/multi:v1", "big:1");

      assertStoredAsPushed(regs, big);
      List<FaultFront.Seen> gets = blobGets(front, big);
      assertTrue(gets.stream().allMatch(s -> s.status() == 200), gets.toString());
      assertTrue(
          gets.stream().anyMatch(s -> s.range() == null),
          "after ranges were answered with 200, one GET without a range: " + gets);
      assertTrue(
          gets.stream().anyMatch(s -> ("bytes=0-" + (RANGE - 1)).equals(s.range())),
          gets.toString());
    }
  }

  @Test
  void rangesStartAtTheIngestsOffset() throws Exception {
    try (RegistryFixtures.Pair regs =
            RegistryFixtures.twoRegistriesWithBigLayer(tmp, 3 * RANGE + 99);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      OciLayout.Blob big = regs.image().layers().getFirst();
      byte[] bytes = Files.readAllBytes(regs.layout().blob(big.digest()));
      int left = RANGE + RANGE / 2;
      // what a pull that broke off would have left: the first bytes under the blob's ref key
      try (ContentWriter w =
          store
              .content()
              .writer(
                  WriteRequest.of("default", "layer-" + big.digest())
                      .expecting(big.size(), big.digest()))) {
        w.write(bytes, 0, left);
      }
      pull(front.host() + "/app/multi:v1", "big:1");

      assertStoredAsPushed(regs, big);
      List<String> ranges =
          blobGets(front, big).stream().map(FaultFront.Seen::range).sorted(this::byStart).toList();
      assertEquals(expectedRanges(left, big.size()), ranges);
    }
  }

  @Test
  void threePullsThatEachWantThreeRangesShareTheLimitAndAllFinish() throws Exception {
    try (TestRegistry registry = TestRegistry.plain(tmp.resolve("r"))) {
      List<OciLayout.Image> images = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        images.add(
            RegistryFixtures.pushImage(
                tmp.resolve("layout" + i),
                40 + i,
                registry.host() + "/app/p" + i + ":v1",
                4 * RANGE));
      }
      List<CompletableFuture<Void>> pulls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String ref = registry.host() + "/app/p" + i + ":v1";
        String name = "p" + i + ":1";
        pulls.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    pull(ref, name);
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                }));
      }
      // a deadlock would hang here; the bound only turns a hang into a failure
      CompletableFuture.allOf(pulls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        OciLayout.Blob layer = images.get(i).layers().getFirst();
        assertEquals(
            layer.size(), store.content().info("default", layer.digest()).orElseThrow().size());
      }
    }
  }
}
