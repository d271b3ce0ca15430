package dev.transferd.plugin.store.embedded;

import static dev.transferd.plugin.store.embedded.StoreFixtures.INDEX;
import static dev.transferd.plugin.store.embedded.StoreFixtures.MANIFEST;
import static dev.transferd.plugin.store.embedded.StoreFixtures.descriptor;
import static dev.transferd.plugin.store.embedded.StoreFixtures.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store.GcResult;
import dev.transferd.plugin.store.WriteRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
  private static final String NS = "default";

  @TempDir Path root;
  EmbeddedStore store;

  @BeforeEach
  void open() throws IOException {
    store = StoreFixtures.openQuiet(root);
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  /** A manifest naming its config and layers through containerd's GC labels. */
  private ContentInfo manifest(String name, ContentInfo config, ContentInfo... layers)
      throws IOException {
    Map<String, String> labels = new java.util.HashMap<>();
    labels.put("containerd.io/gc.ref.content.config", config.digest());
    for (int i = 0; i < layers.length; i++) {
      labels.put("containerd.io/gc.ref.content.l." + i, layers[i].digest());
    }
    return put(store, NS, "manifest of " + name, labels);
  }

  private boolean present(ContentInfo info) {
    return store.content().info(NS, info.digest()).isPresent()
        && Files.exists(new ContentLayout(root).blob(info.digest()));
  }

  @Test
  void sharedLayersLiveWhileAnyImageReachesThem() throws IOException {
    ContentInfo base = put(store, NS, "shared base layer", Map.of());
    ContentInfo onlyA = put(store, NS, "layer only in a", Map.of());
    ContentInfo onlyB = put(store, NS, "layer only in b", Map.of());
    ContentInfo configA = put(store, NS, "config a", Map.of());
    ContentInfo configB = put(store, NS, "config b", Map.of());
    ContentInfo manifestA = manifest("a", configA, base, onlyA);
    ContentInfo manifestB = manifest("b", configB, base, onlyB);
    // b is reached through an index, one more level of labels.
    ContentInfo indexB =
        put(store, NS, "index b", Map.of("containerd.io/gc.ref.content.m.0", manifestB.digest()));
    ContentInfo orphan = put(store, NS, "nobody wants me", Map.of());
    store.images().create(NS, Image.of("a:1", descriptor(manifestA, MANIFEST)));
    store.images().create(NS, Image.of("b:1", descriptor(indexB, INDEX)));

    GcResult first = store.collectGarbage();
    assertEquals(1, first.blobsRemoved());
    assertEquals("nobody wants me".length(), first.bytesRemoved());
    assertFalse(present(orphan));
    for (ContentInfo live :
        new ContentInfo[] {base, onlyA, onlyB, configA, configB, manifestA, manifestB, indexB}) {
      assertTrue(present(live), live.digest());
    }

    store.images().delete(NS, "b:1");
    GcResult second = store.collectGarbage();
    assertEquals(4, second.blobsRemoved(), "index b, manifest b, config b, layer only in b");
    assertTrue(present(base), "the shared layer stays for a");
    assertTrue(present(onlyA) && present(configA) && present(manifestA));
    assertFalse(present(onlyB) || present(configB) || present(manifestB) || present(indexB));
  }

  @Test
  void contentInOneNamespaceKeepsTheFileWhileAnotherDropsItsRecord() throws IOException {
    ContentInfo shared = put(store, "a", "bytes in two namespaces", Map.of());
    put(store, "b", "bytes in two namespaces", Map.of("containerd.io/gc.root", "yes"));
    store.collectGarbage();
    assertTrue(store.content().info("a", shared.digest()).isEmpty(), "unreferenced in a");
    assertTrue(store.content().info("b", shared.digest()).isPresent(), "a gc root in b");
    assertTrue(Files.exists(new ContentLayout(root).blob(shared.digest())));
  }

  @Test
  void leasesProtectContentUntilDeletedOrExpired() throws IOException {
    store.leases().create(NS, "pull", Map.of());
    store
        .leases()
        .create(
            NS, "old", Map.of("containerd.io/gc.expire", Instant.now().minusSeconds(5).toString()));
    ContentInfo leased = put(store, NS, "in flight", Map.of(), "pull");
    ContentInfo expiredLease = put(store, NS, "under an expired lease", Map.of(), "old");

    store.collectGarbage();
    assertTrue(present(leased));
    assertFalse(present(expiredLease));
    assertTrue(
        store.leases().list(NS, java.util.List.of("id==old")).isEmpty(), "expired lease removed");
    assertEquals(
        java.util.List.of(new Lease.Resource(leased.digest(), "content")),
        store.leases().listResources(NS, "pull"));

    store.leases().delete(NS, "pull");
    store.collectGarbage();
    assertFalse(present(leased));
  }

  @Test
  void staleIngestsGoUnlessLeasedOrOpen() throws IOException {
    store.close();
    store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO)
                .withStaleIngestAge(Duration.ZERO));
    store.leases().create(NS, "keep", Map.of());
    try (ContentWriter w = store.content().writer(WriteRequest.of(NS, "abandoned"))) {
      w.write(new byte[] {1, 2, 3});
    }
    try (ContentWriter w =
        store.content().writer(WriteRequest.of(NS, "leased").underLease("keep"))) {
      w.write(new byte[] {4});
    }
    try (ContentWriter open = store.content().writer(WriteRequest.of(NS, "writing"))) {
      open.write(new byte[] {5});
      GcResult r = store.collectGarbage();
      assertEquals(1, r.ingestsRemoved());
      open.write(new byte[] {6});
      assertEquals(2, open.offset());
    }
    assertTrue(store.content().status(NS, "abandoned").isEmpty());
    assertTrue(store.content().status(NS, "leased").isPresent());
    assertTrue(store.content().status(NS, "writing").isPresent());
  }

  @Test
  void collectionsRunningBesideCommitsNeverTakeLeasedBlobs() throws Exception {
    store.leases().create(NS, "busy", Map.of());
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread collector =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    try {
                      store.collectGarbage();
                      runs.incrementAndGet();
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  }
                });
    java.util.List<ContentInfo> committed = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 25; i++) {
        committed.add(put(store, NS, "blob " + i + " ".repeat(i * 997), Map.of(), "busy"));
        // and one nobody holds, for the collector to have work
        put(store, NS, "litter " + i, Map.of());
      }
    } finally {
      done.set(true);
      collector.join();
    }
    assertTrue(runs.get() > 0);
    for (ContentInfo c : committed) {
      assertTrue(present(c), c.digest());
    }
  }

  @Test
  void freshIngestsAreKeptAtTheDefaultAge() throws IOException {
    try (ContentWriter w = store.content().writer(WriteRequest.of(NS, "recent"))) {
      w.write(new byte[] {1});
    }
    assertEquals(0, store.collectGarbage().ingestsRemoved());
    assertTrue(store.content().status(NS, "recent").isPresent());
  }

  @Test
  void deletesTriggerACollectionSoonAfter() throws Exception {
    store.close();
    store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ofMillis(50)));
    ContentInfo layer = put(store, NS, "layer of a deleted image", Map.of());
    ContentInfo config = put(store, NS, "its config", Map.of());
    ContentInfo m = manifest("gone", config, layer);
    store.images().create(NS, Image.of("gone:1", descriptor(m, MANIFEST)));
    store.images().delete(NS, "gone:1");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (present(layer) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(present(layer), "the collector ran after the delete");
    assertFalse(present(m));
  }
}
