package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.transfer.CallerLease;
import dev.transferd.plugin.transfer.StoreTransferFixture;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases around archive transfers, end to end over a unix socket into the embedded store: an import
 * under the caller's {@code containerd-lease} leaves its blobs to that lease, and an export keeps
 * every blob it still has to send even when the image is deleted and the collector runs.
 */
class ArchiveLeaseTest {
  private static final String NS = "default";
  @TempDir Path root;
  private StoreTransferFixture transferd;
  private EmbeddedStore store;
  private TransferClient client;

  @BeforeEach
  void start() throws Exception {
    transferd =
        StoreTransferFixture.start(
            root.resolve("store"), StoreTransferFixture.collectOnlyWhenAsked());
    store = transferd.store;
    client = transferd.client;
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  /** A client whose unary calls carry {@code containerd-lease}, as Go's client.Transfer sends. */
  private TransferClient clientWithLease(String lease) {
    TtrpcClient ttrpc = CallerLease.ttrpcClient(transferd.streaming.socket, lease);
    closeLater.add(ttrpc);
    return TransferClient.builder(ttrpc).namespace(NS).build();
  }

  private final List<TtrpcClient> closeLater = new ArrayList<>();

  @AfterEach
  void closeClients() {
    closeLater.forEach(TtrpcClient::close);
  }

  private List<String> contentDigests() {
    return store.content().list(NS, List.of()).stream().map(ContentInfo::digest).toList();
  }

  @Test
  void importUnderTheCallersLeaseKeepsUnnamedContentUntilTheLeaseGoes() throws Exception {
    TestImages.Image a = TestImages.image("leased");
    byte[] archive = new TestImages.Layout().add(a, "v1", null).tar("");
    store.leases().create(NS, "agent-lease-1", Map.of());

    clientWithLease("agent-lease-1")
        .transfer(ImportArchive.from(new ByteArrayInputStream(archive)), StoredImage.named(""));

    assertTrue(store.images().list(NS, List.of()).isEmpty(), "nothing was named");
    store.collectGarbage();
    for (TestImages.Blob blob : a.blobs()) {
      assertTrue(contentDigests().contains(blob.digest()), "the caller's lease keeps " + blob);
    }
    List<String> leased =
        store.leases().listResources(NS, "agent-lease-1").stream().map(Lease.Resource::id).toList();
    assertTrue(leased.contains(a.manifest().digest()), leased.toString());
    assertEquals(
        List.of("agent-lease-1"),
        store.leases().list(NS, List.of()).stream().map(Lease::id).toList(),
        "the import made no lease of its own, and left the caller's");

    store.leases().delete(NS, "agent-lease-1");
    store.collectGarbage();
    assertEquals(List.of(), contentDigests());
  }

  @Test
  void importWithoutALeaseLeavesUnnamedContentToTheCollector() throws Exception {
    TestImages.Image a = TestImages.image("unleased");
    byte[] archive = new TestImages.Layout().add(a, "v1", null).tar("");
    client.transfer(ImportArchive.from(new ByteArrayInputStream(archive)), StoredImage.named(""));
    assertTrue(store.leases().list(NS, List.of()).isEmpty(), "the temporary lease is gone");
    store.collectGarbage();
    assertEquals(List.of(), contentDigests());
  }

  @Test
  void anImportUnderALeaseThatDoesNotExistIsNotFoundNamingIt() {
    byte[] archive = new TestImages.Layout().add(TestImages.image("nolease"), "v1", null).tar("");
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                clientWithLease("gone-lease")
                    .transfer(
                        ImportArchive.from(new ByteArrayInputStream(archive)),
                        StoredImage.named("example.com/x:1")));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("\"gone-lease\""), e.getMessage());
    assertTrue(store.images().list(NS, List.of()).isEmpty());
  }

  /** A docker save of {@code layers} random "layers" of {@code size} bytes each. */
  private static byte[] bigDockerSave(String name, int layers, int size) {
    SplittableRandom random = new SplittableRandom(7);
    TarWriter t = new TarWriter();
    ObjectNode config = ArchiveJson.NODES.objectNode().put("architecture", "amd64");
    config.put("os", "linux");
    ArrayNode diffIds = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
    ArrayNode list = ArchiveJson.NODES.arrayNode();
    ObjectNode entry = list.addObject();
    entry.putArray("RepoTags").add(name);
    ArrayNode paths = entry.putArray("Layers");
    for (int i = 0; i < layers; i++) {
      byte[] layer = new byte[size];
      random.nextBytes(layer);
      layer[0] = 'x'; // no compression magic
      diffIds.add(Digests.of(layer));
      paths.add("l" + i + ".tar");
      t.file("l" + i + ".tar", layer);
    }
    byte[] configBytes = ArchiveJson.bytes(config);
    entry.put("Config", "config.json");
    t.file("config.json", configBytes).file("manifest.json", ArchiveJson.bytes(list));
    return t.finish();
  }

  @Test
  void exportSurvivesTheImageBeingDeletedAndCollectedMidStream() throws Exception {
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(bigDockerSave("gc/during:export", 3, 2 << 20))),
        StoredImage.named("")
            .withExtraReference(new ImageReference("import", true, true, false, false)));
    String name = "docker.io/gc/during:export";
    Descriptor target = store.images().get(NS, name).orElseThrow().target();
    store.collectGarbage(); // the unnamed synthesized index goes
    List<String> before = contentDigests();

    CountDownLatch firstBytes = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    OutputStream slowClient =
        new OutputStream() {
          @Override
          public void write(int b) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            firstBytes.countDown();
            try {
              proceed.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
            received.write(b, off, len);
          }
        };
    CompletableFuture<Void> export =
        CompletableFuture.runAsync(
            () -> {
              try {
                client.transfer(StoredImage.named(name), ExportArchive.to(slowClient));
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    assertTrue(firstBytes.await(30, TimeUnit.SECONDS), "the export started");
    store.images().delete(NS, name);
    store.collectGarbage();
    assertEquals(before, contentDigests(), "the export's lease keeps every blob");
    proceed.countDown();
    export.get(60, TimeUnit.SECONDS);

    store.collectGarbage();
    assertEquals(List.of(), contentDigests(), "after the export, nothing keeps them");
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(received.toByteArray())),
        StoredImage.named("")
            .withExtraReference(new ImageReference("again", true, true, false, false)));
    assertEquals(
        target.getDigest(),
        store.images().get(NS, name).orElseThrow().target().getDigest(),
        "the archive was whole");
  }
}
