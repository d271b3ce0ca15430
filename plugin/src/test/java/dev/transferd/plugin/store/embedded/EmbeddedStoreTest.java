package dev.transferd.plugin.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
  @TempDir Path root;

  @Test
  void aRootIsOwnedByOneStoreAtATime() throws IOException {
    try (EmbeddedStore first = StoreFixtures.openQuiet(root)) {
      StoreException e =
          assertThrows(StoreException.class, () -> StoreFixtures.openQuiet(root).close());
      assertEquals(StatusCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains(root.toAbsolutePath().toString()), e.getMessage());
      StoreFixtures.put(first, "default", "still usable", Map.of());
    }
    try (EmbeddedStore again = StoreFixtures.openQuiet(root)) {
      assertEquals(1, again.content().list("default", java.util.List.of()).size());
    }
  }

  @Test
  void openingRemovesCrashLeftoversAndKeepsIngestsForResume() throws IOException {
    try (EmbeddedStore store = StoreFixtures.openQuiet(root)) {
      try (ContentWriter w = store.content().writer(WriteRequest.of("default", "resumable"))) {
        w.write(new byte[] {1, 2, 3});
      }
    }
    ContentLayout layout = new ContentLayout(root);
    Path temp = Files.createDirectories(layout.ingests.resolve(".tmp-half-made"));
    Files.writeString(temp.resolve("ref"), "never finished");
    Path emptied = Files.createDirectories(layout.ingests.resolve("0".repeat(64)));
    Files.writeString(emptied.resolve("ref"), "committed but not cleaned");

    try (EmbeddedStore store = StoreFixtures.openQuiet(root)) {
      assertFalse(Files.exists(temp));
      assertFalse(Files.exists(emptied));
      assertEquals(3, store.content().status("default", "resumable").orElseThrow().offset());
    }
  }

  @Test
  void callsAfterCloseAreUnavailableInsteadOfCrashingTheProcess() throws IOException {
    EmbeddedStore store = StoreFixtures.openQuiet(root);
    StoreFixtures.put(store, "default", "before close", Map.of());
    store.close();
    // LMDB would take the JVM down on a transaction begun after its environment closed.
    StoreException read =
        assertThrows(StoreException.class, () -> store.images().list("default", List.of()));
    assertEquals(StatusCode.UNAVAILABLE, read.code());
    StoreException write =
        assertThrows(
            StoreException.class, () -> store.leases().create("default", "after-close", Map.of()));
    assertEquals(StatusCode.UNAVAILABLE, write.code());
    assertTrue(write.getMessage().contains("closed"), write.getMessage());
  }
}
