package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transfer leases left by a dead daemon are released; clients' leases are kept. */
class OrphanLeasesTest {
  @TempDir Path tmp;

  private static List<String> ids(EmbeddedStore store, String ns) {
    return store.leases().list(ns, List.of()).stream().map(Lease::id).sorted().toList();
  }

  @Test
  void releasesOnlyTheTransfersOwnLeasesInEveryNamespace() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(tmp.resolve("store"))) {
      // as a daemon killed mid-transfer leaves them: created, never closed
      OperationLease.temporary(store.leases(), "default", Clock.systemUTC());
      OperationLease.temporary(store.leases(), "other", Clock.systemUTC());
      store.leases().create("default", "client-lease", Map.of());
      store
          .leases()
          .create(
              "other",
              "client-expiring",
              Map.of("containerd.io/gc.expire", "2999-01-01T00:00:00Z"));

      assertEquals(2, OrphanLeases.release(store));

      assertEquals(List.of("client-lease"), ids(store, "default"));
      assertEquals(List.of("client-expiring"), ids(store, "other"));
      assertEquals(0, OrphanLeases.release(store), "nothing left to release");
    }
  }

  @Test
  void aTransfersTemporaryLeaseCarriesTheLabel() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(tmp.resolve("store"));
        OperationLease lease =
            OperationLease.temporary(store.leases(), "default", Clock.systemUTC())) {
      Lease stored = store.leases().list("default", List.of()).getFirst();
      assertEquals(lease.id(), stored.id());
      assertEquals("true", stored.labels().get("dev.transferd/transfer-lease"));
    }
  }
}
