package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class ArchiveImporterTest {
  private final MemoryBlobSink sink = new MemoryBlobSink();

  private ImportedArchive read(byte[] archive) throws IOException {
    return ArchiveImporter.read(
        new ByteArrayInputStream(archive), "", sink, ArchiveLimits.DEFAULTS);
  }

  private ImportWalker.Result walk(ImportedArchive archive, List<Platform> platforms)
      throws IOException {
    return new ImportWalker(
            sink, PlatformMatcher.anyOf(platforms), false, 0, ArchiveLimits.DEFAULTS)
        .walk(archive);
  }

  private static Platform platform(String spec) {
    String[] p = spec.split("/");
    return Platform.newBuilder()
        .setOs(p[0])
        .setArchitecture(p[1])
        .setVariant(p.length > 2 ? p[2] : "")
        .build();
  }

  @Test
  void ociLayoutIsImportedWithItsOwnIndexAsRoot() throws IOException {
    TestImages.Image a = TestImages.image("a");
    TestImages.Image b = TestImages.image("b", "amd64", "", 3, false, true);
    TestImages.Layout layout =
        new TestImages.Layout().add(a, "v1", null).add(b, "1.0", "example.com/b:1.0");
    ImportedArchive imported = read(layout.tar(""));

    assertEquals("oci", imported.format());
    assertEquals(Digests.of(layout.indexJson()), imported.root().getDigest());
    ImportWalker.Result result = walk(imported, List.of());
    assertEquals(2, result.images().size());
    Descriptor first = result.images().get(0);
    assertEquals(a.manifest().digest(), first.getDigest());
    assertEquals("v1", first.getAnnotationsMap().get("org.opencontainers.image.ref.name"));
    assertEquals("annotation", first.getAnnotationsMap().get(ImportWalker.REF_SOURCE));
    for (TestImages.Image image : List.of(a, b)) {
      for (TestImages.Blob blob : image.blobs()) {
        assertTrue(result.blobs().contains(blob.digest()), blob.digest());
        assertTrue(sink.blobs.containsKey(blob.digest()));
      }
    }
    Map<String, String> manifestLabels = result.gcLabels().get(b.manifest().digest());
    assertEquals(b.config().digest(), manifestLabels.get("containerd.io/gc.ref.content.config"));
    assertEquals(
        b.layers().get(2).digest(), manifestLabels.get("containerd.io/gc.ref.content.l.2"));
    assertEquals(
        a.manifest().digest(),
        result.gcLabels().get(imported.root().getDigest()).get("containerd.io/gc.ref.content.m.0"));
  }

  @Test
  void oneTopLevelDirectoryIsTheArchive() throws IOException {
    TestImages.Image a = TestImages.image("prefixed");
    ImportedArchive imported = read(new TestImages.Layout().add(a, "latest", null).tar("image/"));
    assertEquals(a.manifest().digest(), walk(imported, List.of()).images().get(0).getDigest());
  }

  @Test
  void gzipAndZstdWrappersAreDetectedByMagicWhenNoMediaTypeIsGiven() throws IOException {
    TestImages.Image a = TestImages.image("wrapped");
    byte[] tar = new TestImages.Layout().add(a, "latest", null).tar("");
    assertEquals("oci", read(TestImages.gzip(tar)).format());
    assertEquals("oci", read(Zstd.compress(tar)).format());
  }

  @Test
  void aGivenMediaTypeMeansTheStreamIsReadRaw() {
    byte[] gz =
        TestImages.gzip(new TestImages.Layout().add(TestImages.image("raw"), "x", null).tar(""));
    InvalidArchiveException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidArchiveException.class,
            () ->
                ArchiveImporter.read(
                    new ByteArrayInputStream(gz),
                    "application/x-tar",
                    sink,
                    ArchiveLimits.DEFAULTS));
    assertTrue(e.getMessage().startsWith("archive: "), e.getMessage());
  }

  @Test
  void platformFilterKeepsOnlyTheWantedManifestAndTheOthersMayBeAbsent() throws IOException {
    TestImages.Image amd = TestImages.image("multi", "amd64", "", 2, true, true);
    TestImages.Image arm = TestImages.image("multi", "arm64", "v8", 2, true, true);
    TestImages.Layout layout = new TestImages.Layout().addIndex(List.of(amd, arm), "latest");
    amd.layers().forEach(l -> layout.blobs.remove(l.digest())); // as `ctr export --platform arm64`
    ImportedArchive imported = read(layout.tar(""));

    ImportWalker.Result result = walk(imported, List.of(platform("linux/arm64")));
    assertTrue(
        result.blobs().containsAll(arm.blobs().stream().map(TestImages.Blob::digest).toList()));
    assertFalse(result.blobs().contains(amd.manifest().digest()));

    InvalidArchiveException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidArchiveException.class, () -> walk(imported, List.of()));
    assertTrue(
        e.getMessage().contains("layer " + amd.layers().get(0).digest() + " is not in the archive"),
        e.getMessage());

    TestImages.Layout armOnly = new TestImages.Layout().addIndex(List.of(amd, arm), "latest");
    amd.blobs().forEach(b -> armOnly.blobs.remove(b.digest())); // as `ctr export --platform arm64`
    MemoryBlobSink fresh = new MemoryBlobSink();
    ImportedArchive partial =
        ArchiveImporter.read(
            new ByteArrayInputStream(armOnly.tar("")), "", fresh, ArchiveLimits.DEFAULTS);
    ImportWalker.Result all =
        new ImportWalker(fresh, PlatformMatcher.all(), false, 0, ArchiveLimits.DEFAULTS)
            .walk(partial);
    assertTrue(all.blobs().contains(arm.layers().get(1).digest()), "the platform there is kept");
    assertFalse(all.blobs().contains(amd.manifest().digest()));

    ImportWalker.Result metadata =
        new ImportWalker(
                sink,
                PlatformMatcher.anyOf(List.of(platform("linux/arm64"))),
                true,
                0,
                ArchiveLimits.DEFAULTS)
            .walk(imported);
    assertTrue(
        metadata.blobs().contains(amd.config().digest()), "all_metadata keeps other configs");
  }

  @Test
  void dockerSaveGetsSynthesizedManifestsAndNormalizedNames() throws IOException {
    TestImages.Image a = TestImages.image("docker", "amd64", "", 3, false, false);
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(a, List.of("alpine:latest", "localhost:5000/team/app:v2"));
    ImportedArchive imported = read(TestImages.dockerSave(images));
    assertEquals("docker", imported.format());

    ImportWalker.Result result = walk(imported, List.of());
    assertEquals(2, result.images().size());
    Descriptor first = result.images().get(0);
    assertEquals(MediaTypes.DOCKER_MANIFEST, first.getMediaType());
    assertEquals(
        "docker.io/library/alpine:latest",
        first.getAnnotationsMap().get("io.containerd.image.name"));
    assertEquals("latest", first.getAnnotationsMap().get("org.opencontainers.image.ref.name"));
    assertEquals(
        "localhost:5000/team/app:v2",
        result.images().get(1).getAnnotationsMap().get("io.containerd.image.name"));
    JsonNode manifest = ArchiveJson.parse(sink.blobs.get(first.getDigest()), "manifest");
    assertEquals(a.config().digest(), manifest.path("config").path("digest").asText());
    assertEquals(
        MediaTypes.DOCKER_LAYER, manifest.path("layers").get(0).path("mediaType").asText());
    assertEquals(
        Digests.of(a.diffs().get(2)), manifest.path("layers").get(2).path("digest").asText());
  }

  private JsonNode onlyManifest(ImportedArchive imported) throws IOException {
    ImportWalker.Result result = walk(imported, List.of());
    return ArchiveJson.parse(sink.blobs.get(result.images().get(0).getDigest()), "manifest");
  }

  private static byte[] gunzip(byte[] bytes) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }

  @Test
  void forceCompressGzipsUncompressedLayersAndLabelsEachWithItsDiffId() throws IOException {
    TestImages.Image a = TestImages.image("force", "amd64", "", 2, false, false);
    TestImages.Image b = TestImages.image("force-b", "amd64", "", 3, false, false);
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(a, List.of("force:a"));
    images.put(b, List.of("force:b"));
    ImportedArchive imported =
        ArchiveImporter.read(
            new ByteArrayInputStream(TestImages.dockerSave(images)),
            "",
            true,
            sink,
            ArchiveLimits.DEFAULTS);

    ImportWalker.Result result = walk(imported, List.of());
    JsonNode manifest = ArchiveJson.parse(sink.blobs.get(result.images().get(0).getDigest()), "m");
    assertEquals(a.config().digest(), manifest.path("config").path("digest").asText());
    for (int i = 0; i < 2; i++) {
      JsonNode layer = manifest.path("layers").get(i);
      String digest = layer.path("digest").asText();
      byte[] stored = sink.blobs.get(digest);
      assertEquals(MediaTypes.DOCKER_LAYER_GZIP, layer.path("mediaType").asText());
      assertEquals(stored.length, layer.path("size").asLong());
      assertArrayEquals(a.diffs().get(i), gunzip(stored), "layer " + i + " is its tar, gzipped");
      assertEquals(
          Map.of("containerd.io/uncompressed", Digests.of(a.diffs().get(i))),
          sink.labels.get(digest));
      assertTrue(result.blobs().contains(digest));
    }
    java.util.Set<String> diffIds = new java.util.HashSet<>();
    for (TestImages.Image image : List.of(a, b)) {
      image.diffs().forEach(d -> diffIds.add(Digests.of(d)));
    }
    java.util.Set<String> labelled = new java.util.HashSet<>();
    sink.labels.values().forEach(l -> labelled.add(l.get("containerd.io/uncompressed")));
    assertEquals(diffIds, labelled, "every layer of both images, each compressed once");
    assertEquals(diffIds.size(), sink.labels.size());
  }

  @Test
  void forceCompressLeavesCompressedLayersAndOciLayoutsAsTheyAre() throws IOException {
    TestImages.Image oci = TestImages.image("oci-plain", "amd64", "", 2, false, true);
    ImportedArchive layout =
        ArchiveImporter.read(
            new ByteArrayInputStream(new TestImages.Layout().add(oci, "v1", null).tar("")),
            "",
            true,
            sink,
            ArchiveLimits.DEFAULTS);
    assertEquals(oci.manifest().digest(), walk(layout, List.of()).images().get(0).getDigest());

    TestImages.Image gz = TestImages.image("already-gz", "amd64", "", 1, true, false);
    TarWriter t = new TarWriter().file(gz.config().hex() + ".json", gz.config().bytes());
    ArrayNode list = ArchiveJson.NODES.arrayNode();
    ObjectNode entry = list.addObject().put("Config", gz.config().hex() + ".json");
    entry.putArray("RepoTags").add("gz:1");
    entry.putArray("Layers").add("l.tar.gz");
    t.file("l.tar.gz", gz.layers().get(0).bytes()).file("manifest.json", ArchiveJson.bytes(list));
    JsonNode manifest =
        onlyManifest(
            ArchiveImporter.read(
                new ByteArrayInputStream(t.finish()), "", true, sink, ArchiveLimits.DEFAULTS));
    assertEquals(
        gz.layers().get(0).digest(), manifest.path("layers").get(0).path("digest").asText());
    assertTrue(sink.labels.isEmpty(), "nothing was compressed");
  }

  @Test
  void aCompressedFormAlreadyStoredIsListedInPlaceOfTheUncompressedFile() throws IOException {
    TestImages.Image a = TestImages.image("known", "amd64", "", 2, false, false);
    byte[] gz = TestImages.gzip(a.diffs().get(0));
    try (BlobSink.Ingest ingest = sink.ingest("pulled")) {
      ingest.write(gz);
      ingest.commit(
          gz.length,
          Digests.of(gz),
          Map.of("containerd.io/uncompressed", Digests.of(a.diffs().get(0))));
    }
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(a, List.of("known:1"));
    JsonNode manifest = onlyManifest(read(TestImages.dockerSave(images)));

    JsonNode first = manifest.path("layers").get(0);
    assertEquals(Digests.of(gz), first.path("digest").asText());
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, first.path("mediaType").asText());
    assertTrue(sink.retained.contains(Digests.of(gz)), "the stored blob is kept for the import");
    assertEquals(
        Digests.of(a.diffs().get(1)), manifest.path("layers").get(1).path("digest").asText());
    assertEquals(
        MediaTypes.DOCKER_LAYER, manifest.path("layers").get(1).path("mediaType").asText());
  }

  @Test
  void dockerSaveWithGzipLayersIsCheckedAgainstTheUncompressedDiffIds() throws IOException {
    TestImages.Image a = TestImages.image("gz", "arm64", "v8", 2, true, false);
    TarWriter t = new TarWriter().file(a.config().hex() + ".json", a.config().bytes());
    ArrayNode manifest = ArchiveJson.NODES.arrayNode();
    ObjectNode entry = manifest.addObject().put("Config", a.config().hex() + ".json");
    entry.putArray("RepoTags").add("gz:1");
    ArrayNode layers = entry.putArray("Layers");
    for (TestImages.Blob l : a.layers()) {
      t.file("layers/" + l.hex() + ".tar.gz", l.bytes());
      layers.add("layers/" + l.hex() + ".tar.gz");
    }
    t.file("manifest.json", ArchiveJson.bytes(manifest));
    ImportWalker.Result result = walk(read(t.finish()), List.of());
    JsonNode m = ArchiveJson.parse(sink.blobs.get(result.images().get(0).getDigest()), "manifest");
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, m.path("layers").get(0).path("mediaType").asText());
  }

  @Test
  void dockerSaveV10WithSymlinkedLayersIsImported() throws IOException {
    byte[] base = TestImages.layerTar("v10", 0);
    byte[] top = TestImages.layerTar("v10", 1);
    String baseId = "a".repeat(64);
    String topId = "b".repeat(64);
    String otherId = "c".repeat(64);
    TarWriter t =
        new TarWriter()
            .file(
                "repositories",
                "{\"busybox\":{\"old\":\"" + topId + "\",\"same\":\"" + otherId + "\"}}")
            .dir(baseId)
            .file(baseId + "/VERSION", "1.0")
            .file(
                baseId + "/json",
                "{\"id\":\""
                    + baseId
                    + "\",\"created\":\"2015-01-01T00:00:00Z\",\"architecture\":\"amd64\",\"os\":\"linux\"}")
            .file(baseId + "/layer.tar", base)
            .dir(topId)
            .file(
                topId + "/json",
                "{\"id\":\""
                    + topId
                    + "\",\"parent\":\""
                    + baseId
                    + "\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"container_config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"touch x\"]}}")
            .file(topId + "/layer.tar", top)
            .dir(otherId)
            .file(
                otherId + "/json",
                "{\"id\":\""
                    + otherId
                    + "\",\"parent\":\""
                    + baseId
                    + "\",\"architecture\":\"amd64\",\"os\":\"linux\"}")
            .symlink(otherId + "/layer.tar", "../" + topId + "/layer.tar");
    ImportedArchive imported = read(t.finish());
    assertEquals("docker-v1.0", imported.format());
    ImportWalker.Result result = walk(imported, List.of());
    assertEquals(2, result.images().size());
    Descriptor old = result.images().get(0);
    assertEquals(
        "docker.io/library/busybox:old", old.getAnnotationsMap().get("io.containerd.image.name"));
    JsonNode manifest = ArchiveJson.parse(sink.blobs.get(old.getDigest()), "manifest");
    JsonNode config =
        ArchiveJson.parse(
            sink.blobs.get(manifest.path("config").path("digest").asText()), "config");
    assertEquals(Digests.of(base), config.path("rootfs").path("diff_ids").get(0).asText());
    assertEquals(Digests.of(top), config.path("rootfs").path("diff_ids").get(1).asText());
    assertFalse(config.has("parent"));
    assertEquals("/bin/sh -c touch x", config.path("history").get(1).path("created_by").asText());
    JsonNode same =
        ArchiveJson.parse(sink.blobs.get(result.images().get(1).getDigest()), "manifest");
    assertEquals(
        Digests.of(top), same.path("layers").get(1).path("digest").asText(), "the symlinked layer");
  }

  @Test
  void docker25HybridIsReadAsItsOciLayout() throws IOException {
    TestImages.Image a = TestImages.image("hybrid", "amd64", "", 2, false, true);
    TestImages.Layout layout =
        new TestImages.Layout().add(a, "latest", "docker.io/library/hybrid:latest");
    TarWriter t = new TarWriter();
    layout.writeTo(t, "");
    ArrayNode manifest = ArchiveJson.NODES.arrayNode();
    ObjectNode entry = manifest.addObject().put("Config", "blobs/sha256/" + a.config().hex());
    entry.putArray("RepoTags").add("hybrid:latest");
    ArrayNode layers = entry.putArray("Layers");
    a.layers().forEach(l -> layers.add("blobs/sha256/" + l.hex()));
    t.file("manifest.json", ArchiveJson.bytes(manifest));
    t.file("repositories", "{\"hybrid\":{\"latest\":\"" + a.layers().get(1).hex() + "\"}}");
    ImportedArchive imported = read(t.finish());
    assertEquals("oci", imported.format());
    assertEquals(a.manifest().digest(), walk(imported, List.of()).images().get(0).getDigest());
  }

  @Test
  void blobsAlreadyStoredAreVerifiedAndNotRewritten() throws IOException {
    TestImages.Image a = TestImages.image("again");
    byte[] tar = new TestImages.Layout().add(a, "latest", null).tar("");
    read(tar);
    int committed = sink.ingestsCommitted;
    read(tar);
    assertEquals(
        committed + 1,
        sink.ingestsCommitted,
        "only index.json, which has no digest name, is written again");
    assertTrue(sink.retained.containsAll(a.blobs().stream().map(TestImages.Blob::digest).toList()));
    assertEquals(0, sink.openIngests);
  }
}
