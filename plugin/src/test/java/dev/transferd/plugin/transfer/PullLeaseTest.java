package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.OciLayout;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases around pulls, over a unix socket into the embedded store: a pull under the caller's {@code
 * containerd-lease} leaves every blob it wrote or found to that lease and makes none of its own.
 */
class PullLeaseTest {
  private static final String NS = "default";
  @TempDir Path tmp;
  private EmbeddedStore store;
  private StreamingFixture fixture;
  private TransferClient client;
  private final List<TtrpcClient> closeLater = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    store =
        EmbeddedStore.open(
            tmp.resolve("store"),
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO)
                .withStaleIngestAge(Duration.ZERO));
    StreamManager manager = new StreamManager();
    fixture =
        StreamingFixture.start(
            manager, TransferService.definition(manager, TransferSettings.DEFAULTS, store));
    client = TransferClient.builder(fixture.client).namespace(NS).build();
  }

  @AfterEach
  void stop() throws Exception {
    closeLater.forEach(TtrpcClient::close);
    fixture.close();
    store.close();
  }

  /** A client whose unary calls carry {@code containerd-lease}, as Go's client.Transfer sends. */
  private TransferClient clientWithLease(String lease) {
    TtrpcClient ttrpc = CallerLease.ttrpcClient(fixture.socket, lease);
    closeLater.add(ttrpc);
    return TransferClient.builder(ttrpc).namespace(NS).build();
  }

  private List<String> contentDigests() {
    return store.content().list(NS, List.of()).stream().map(ContentInfo::digest).toList();
  }

  private List<String> leased(String lease) {
    return store.leases().listResources(NS, lease).stream().map(Lease.Resource::id).toList();
  }

  private static List<String> digests(RegistryFixtures.Pair regs) {
    return RegistryFixtures.allBlobs(regs.image()).stream().map(OciLayout.Blob::digest).toList();
  }

  @Test
  void pullUnderTheCallersLeaseKeepsEveryBlobAfterTheImageIsDeletedUntilTheLeaseGoes()
      throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      store.leases().create(NS, "agent-lease-1", Map.of());

      clientWithLease("agent-lease-1")
          .transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));

      assertTrue(
          leased("agent-lease-1").containsAll(digests(regs)),
          () -> leased("agent-lease-1").toString());
      assertEquals(
          List.of("agent-lease-1"),
          store.leases().list(NS, List.of()).stream().map(Lease::id).toList(),
          "the pull made no lease of its own, and left the caller's");
      store.images().delete(NS, "mine:1");
      store.collectGarbage();
      assertTrue(contentDigests().containsAll(digests(regs)), "the caller's lease keeps them");

      store.leases().delete(NS, "agent-lease-1");
      store.collectGarbage();
      assertEquals(List.of(), contentDigests());
    }
  }

  @Test
  void blobsAlreadyStoredJoinTheCallersLeaseToo() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      client.transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("first:1"));
      store.leases().create(NS, "agent-lease-2", Map.of());

      clientWithLease("agent-lease-2")
          .transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("second:1"));

      assertTrue(
          leased("agent-lease-2").containsAll(digests(regs)),
          () -> leased("agent-lease-2").toString());
      store.images().delete(NS, "first:1");
      store.images().delete(NS, "second:1");
      store.collectGarbage();
      assertTrue(contentDigests().containsAll(digests(regs)), "the caller's lease keeps them");
    }
  }

  @Test
  void pullWithoutALeaseLeavesNoLeaseAndUnnamedContentToTheCollector() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      client.transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));
      assertEquals(List.of(), store.leases().list(NS, List.of()), "the temporary lease is gone");
      store.images().delete(NS, "mine:1");
      store.collectGarbage();
      assertEquals(List.of(), contentDigests());
    }
  }

  @Test
  void aPullUnderALeaseThatDoesNotExistIsNotFoundNamingIt() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () ->
                  clientWithLease("gone-lease")
                      .transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1")));
      assertEquals(StatusCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().contains("\"gone-lease\""), e.getMessage());
      assertTrue(store.images().list(NS, List.of()).isEmpty());
      assertEquals(List.of(), contentDigests(), "nothing was downloaded");
    }
  }
}
