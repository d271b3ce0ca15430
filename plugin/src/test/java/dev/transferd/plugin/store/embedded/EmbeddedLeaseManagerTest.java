package dev.transferd.plugin.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLeaseManagerTest {
  private static final String NS = "default";

  @TempDir Path root;
  EmbeddedStore store;
  LeaseManager leases;

  @BeforeEach
  void open() throws IOException {
    store = StoreFixtures.openQuiet(root);
    leases = store.leases();
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private static void assertCode(StatusCode code, Executable call) {
    StoreException e = assertThrows(StoreException.class, call);
    assertEquals(code, e.code(), e.getMessage());
  }

  @Test
  void leasesAreCreatedListedAndDeletedPerNamespace() {
    Lease a =
        leases.create(NS, "pull-1", Map.of("containerd.io/gc.expire", "2999-01-01T00:00:00Z"));
    Lease generated = leases.create(NS, null, Map.of());
    assertFalse(generated.id().isEmpty());
    assertEquals(2, leases.list(NS, List.of()).size());
    assertEquals(List.of(a), leases.list(NS, List.of("id==pull-1")));
    assertEquals(List.of(a), leases.list(NS, List.of("labels.\"containerd.io/gc.expire\"")));
    assertTrue(leases.list("other", List.of()).isEmpty());

    assertCode(StatusCode.ALREADY_EXISTS, () -> leases.create(NS, "pull-1", Map.of()));
    leases.delete(NS, "pull-1");
    assertCode(StatusCode.NOT_FOUND, () -> leases.delete(NS, "pull-1"));
    assertEquals(List.of(generated), leases.list(NS, List.of()));
  }

  @Test
  void resourcesAreAddedListedAndRemoved() {
    leases.create(NS, "l", Map.of());
    String digest = ContentStoreContract.sha256("x".getBytes(StandardCharsets.UTF_8));
    leases.addResource(NS, "l", new Lease.Resource(digest, "content"));
    leases.addResource(NS, "l", new Lease.Resource("layer-ref", "ingests"));
    leases.addResource(NS, "l", new Lease.Resource("snap-1", "snapshots/overlayfs"));
    assertEquals(3, leases.listResources(NS, "l").size());
    leases.deleteResource(NS, "l", new Lease.Resource("layer-ref", "ingests"));
    assertTrue(leases.listResources(NS, "l").contains(new Lease.Resource(digest, "content")));
    assertEquals(2, leases.listResources(NS, "l").size());

    assertCode(
        StatusCode.INVALID_ARGUMENT,
        () -> leases.addResource(NS, "l", new Lease.Resource("x", "containers")));
    assertCode(
        StatusCode.INVALID_ARGUMENT,
        () -> leases.addResource(NS, "l", new Lease.Resource("not-a-digest", "content")));
    assertCode(
        StatusCode.NOT_FOUND,
        () -> leases.addResource(NS, "missing", new Lease.Resource(digest, "content")));
    assertCode(StatusCode.NOT_FOUND, () -> leases.listResources(NS, "missing"));

    leases.delete(NS, "l");
    leases.create(NS, "l", Map.of());
    assertTrue(leases.listResources(NS, "l").isEmpty(), "a deleted lease's resources go with it");
  }
}
