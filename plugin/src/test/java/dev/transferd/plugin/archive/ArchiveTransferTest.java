package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.transfer.BreakingInputStream;
import dev.transferd.plugin.transfer.StoreTransferFixture;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import, export and tag end to end: the Java client over a real unix socket, the Transfer service,
 * and the embedded store on disk.
 */
class ArchiveTransferTest {
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

  /** What {@code ctr images import} sends: a dated prefix reference that may overwrite. */
  private static StoredImage ctrImport() {
    return StoredImage.named("")
        .withExtraReference(new ImageReference("import-2025-03-01", true, true, false, false));
  }

  private List<ProgressEvent> importArchive(byte[] archive, StoredImage destination)
      throws IOException {
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(archive)),
        destination,
        TransferOptions.withProgress(events::add));
    return events;
  }

  private List<String> imageNames() {
    return store.images().list(NS, List.of()).stream().map(Image::name).toList();
  }

  @Test
  void ociArchiveImportNamesImagesAndReportsProgress() throws Exception {
    TestImages.Image a = TestImages.image("e2e");
    TestImages.Image b = TestImages.image("e2e-b", "amd64", "", 1, false, true);
    byte[] archive =
        new TestImages.Layout().add(a, "v1", null).add(b, "1.0", "example.com/b:1.0").tar("");
    List<ProgressEvent> events = importArchive(archive, ctrImport());

    assertEquals(List.of("example.com/b:1.0", "import-2025-03-01:v1"), imageNames());
    assertEquals(
        a.manifest().digest(),
        store.images().get(NS, "import-2025-03-01:v1").orElseThrow().target().getDigest());
    assertEquals(
        List.of("Importing", "saved", "saved", "Completed import"),
        events.stream().map(ProgressEvent::event).toList());
    assertEquals("import-2025-03-01:v1", events.get(1).name());
    for (TestImages.Blob blob : a.blobs()) {
      assertTrue(store.content().info(NS, blob.digest()).isPresent(), blob.digest());
    }
    store.collectGarbage();
    for (TestImages.Blob blob : a.blobs()) {
      assertTrue(
          store.content().info(NS, blob.digest()).isPresent(), "the image keeps " + blob.digest());
    }
    assertTrue(store.content().listStatuses(NS, List.of()).isEmpty(), "no ingest left");
  }

  @Test
  void dockerSaveImportStoresTheNormalizedRepoTagsAndTheIndexName() throws Exception {
    TestImages.Image a = TestImages.image("save", "amd64", "", 2, false, false);
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(a, List.of("save:1", "registry.local:5000/save:2"));
    importArchive(TestImages.dockerSave(images), ctrImport().withLabel("team", "a"));
    assertEquals(List.of("docker.io/library/save:1", "registry.local:5000/save:2"), imageNames());
    Image image = store.images().get(NS, "docker.io/library/save:1").orElseThrow();
    assertEquals(MediaTypes.DOCKER_MANIFEST, image.target().getMediaType());
    assertEquals("a", image.labels().get("team"));
  }

  @Test
  void forceCompressStoresGzipLayersLabelledWithTheirDiffIdsAndGcTakesTheTars() throws Exception {
    TestImages.Image a = TestImages.image("fc", "amd64", "", 2, false, false);
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(a, List.of("fc:1"));
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(TestImages.dockerSave(images)))
            .withForceCompress(true),
        ctrImport());

    Image image = store.images().get(NS, "docker.io/library/fc:1").orElseThrow();
    JsonNode manifest = ArchiveJson.parse(readBlob(image.target().getDigest()), "manifest");
    assertEquals(a.config().digest(), manifest.path("config").path("digest").asText());
    store.collectGarbage();
    for (int i = 0; i < a.diffs().size(); i++) {
      JsonNode layer = manifest.path("layers").get(i);
      String digest = layer.path("digest").asText();
      String diffId = Digests.of(a.diffs().get(i));
      assertEquals(MediaTypes.DOCKER_LAYER_GZIP, layer.path("mediaType").asText());
      assertEquals(
          diffId,
          store
              .content()
              .info(NS, digest)
              .orElseThrow()
              .labels()
              .get("containerd.io/uncompressed"));
      try (InputStream in = new GZIPInputStream(store.content().read(NS, digest, 0))) {
        assertArrayEquals(a.diffs().get(i), in.readAllBytes());
      }
      assertTrue(store.content().info(NS, diffId).isEmpty(), "the uncompressed tar was left to GC");
    }
  }

  private byte[] readBlob(String digest) throws IOException {
    try (InputStream in = store.content().read(NS, digest, 0)) {
      return in.readAllBytes();
    }
  }

  @Test
  void exportThenReimportGivesTheSameDigests() throws Exception {
    TestImages.Image a = TestImages.image("trip");
    importArchive(
        new TestImages.Layout().add(a, "latest", "example.com/trip:latest").tar(""), ctrImport());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    client.transfer(
        StoredImage.named("example.com/trip:latest"),
        ExportArchive.to(out),
        TransferOptions.withProgress(events::add));
    assertEquals(
        List.of("Exporting", "Completed export"),
        events.stream().map(ProgressEvent::event).toList());

    store.images().delete(NS, "example.com/trip:latest");
    store.collectGarbage();
    assertTrue(store.content().info(NS, a.manifest().digest()).isEmpty());
    importArchive(out.toByteArray(), ctrImport());
    assertEquals(
        a.manifest().digest(),
        store.images().get(NS, "example.com/trip:latest").orElseThrow().target().getDigest());
  }

  @Test
  void hostileArchiveIsInvalidArgumentAndLeavesNothingBehind() throws Exception {
    byte[] archive =
        new TarWriter().file("manifest.json", "[]").file("../../etc/passwd", "root::0:0").finish();
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> importArchive(archive, ctrImport()));
    assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("../../etc/passwd: path traversal"), e.getMessage());
    assertTrue(imageNames().isEmpty());
    store.collectGarbage();
    assertTrue(
        store.content().list(NS, List.of()).isEmpty(),
        "GC took the blobs written before the error");
  }

  @Test
  void digestMismatchLeavesExistingNamesAlone() throws Exception {
    TestImages.Image a = TestImages.image("keep");
    importArchive(new TestImages.Layout().add(a, "v1", null).tar(""), ctrImport());
    Image before = store.images().get(NS, "import-2025-03-01:v1").orElseThrow();

    TestImages.Image other = TestImages.image("other");
    TarWriter t = new TarWriter();
    new TestImages.Layout().add(other, "v1", null).writeTo(t, "");
    t.file("blobs/sha256/" + "0".repeat(64), "wrong");
    assertThrows(TtrpcException.class, () -> importArchive(t.finish(), ctrImport()));
    assertEquals(
        before.target(), store.images().get(NS, "import-2025-03-01:v1").orElseThrow().target());
  }

  @Test
  void clientVanishingMidImportNamesNothingAndGcReclaims() throws Exception {
    TestImages.Image big = TestImages.image("vanish", "amd64", "", 3, false, true);
    byte[] archive = new TestImages.Layout().add(big, "v1", null).tar("");
    InputStream dying =
        new BreakingInputStream(
            new ByteArrayInputStream(archive, 0, archive.length / 2),
            new IOException("client went away"));
    assertThrows(IOException.class, () -> client.transfer(ImportArchive.from(dying), ctrImport()));
    assertTrue(imageNames().isEmpty());
    store.collectGarbage();
    assertTrue(store.content().list(NS, List.of()).isEmpty());
    assertTrue(store.content().listStatuses(NS, List.of()).isEmpty());
  }

  @Test
  void exportOfAnImageWithAMissingBlobIsNotFoundAndSendsNoBytes() throws Exception {
    TestImages.Image a = TestImages.image("missing");
    importArchive(new TestImages.Layout().add(a, "v1", null).tar(""), ctrImport());
    store.content().delete(NS, a.layers().get(0).digest());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.transfer(StoredImage.named("import-2025-03-01:v1"), ExportArchive.to(out)));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains(a.layers().get(0).digest()), e.getMessage());
    assertEquals(0, out.size());
  }

  @Test
  void tagPointsANewNameAtTheSameTarget() throws Exception {
    TestImages.Image a = TestImages.image("tag");
    importArchive(new TestImages.Layout().add(a, "v1", null).tar(""), ctrImport());
    client.transfer(
        StoredImage.named("import-2025-03-01:v1"),
        StoredImage.named("example.com/tagged:v2").withLabel("x", "y"));
    Image tagged = store.images().get(NS, "example.com/tagged:v2").orElseThrow();
    assertEquals(a.manifest().digest(), tagged.target().getDigest());
    assertEquals("y", tagged.labels().get("x"));
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () -> client.transfer(StoredImage.named("nope:1"), StoredImage.named("x:1")));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("\"nope:1\""), e.getMessage());
  }
}
