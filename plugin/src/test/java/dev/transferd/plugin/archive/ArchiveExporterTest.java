package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.ttrpc.StatusCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class ArchiveExporterTest {
  private final MemoryBlobSink store = new MemoryBlobSink();

  private static final ArchiveExporter.Options HOST =
      new ArchiveExporter.Options(PlatformMatcher.host(), false, false, false);

  private static Descriptor target(TestImages.Blob manifest) {
    return Descriptor.newBuilder()
        .setMediaType(manifest.mediaType())
        .setDigest(manifest.digest())
        .setSize(manifest.bytes().length)
        .build();
  }

  private void put(TestImages.Image image) {
    image.blobs().forEach(b -> store.blobs.put(b.digest(), b.bytes()));
  }

  private byte[] export(List<ArchiveExporter.Image> images, ArchiveExporter.Options options)
      throws IOException {
    ArchiveExporter.Plan plan =
        ArchiveExporter.plan(images, store, options, ArchiveLimits.DEFAULTS);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveExporter.write(plan, store, out);
    return out.toByteArray();
  }

  private static Map<String, TarArchiveEntry> entries(byte[] tar, Map<String, byte[]> contents)
      throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), e);
        contents.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  @Test
  void exportIsASortedOciLayoutWithDockerManifestAndFixedModes() throws IOException {
    TestImages.Image a = TestImages.image("export");
    put(a);
    byte[] tar =
        export(
            List.of(
                new ArchiveExporter.Image(
                    "docker.io/library/export:1.0", target(a.manifest()), Map.of())),
            HOST);
    Map<String, byte[]> contents = new LinkedHashMap<>();
    Map<String, TarArchiveEntry> entries = entries(tar, contents);

    List<String> names = new ArrayList<>(entries.keySet());
    List<String> sorted = new ArrayList<>(names);
    java.util.Collections.sort(sorted);
    assertEquals(sorted, names);
    assertEquals(3 + a.blobs().size() + 2, names.size());
    assertEquals(0755, entries.get("blobs/").getMode() & 07777);
    assertEquals(0444, entries.get("blobs/sha256/" + a.config().hex()).getMode() & 07777);
    assertEquals(0444, entries.get("oci-layout").getMode() & 07777);
    assertEquals(0644, entries.get("index.json").getMode() & 07777);
    assertEquals(0644, entries.get("manifest.json").getMode() & 07777);

    JsonNode index = ArchiveJson.parse(contents.get("index.json"), "index.json");
    JsonNode entry = index.path("manifests").get(0);
    assertEquals(a.manifest().digest(), entry.path("digest").asText());
    assertEquals(
        "docker.io/library/export:1.0",
        entry.path("annotations").path("io.containerd.image.name").asText());
    assertEquals(
        "1.0", entry.path("annotations").path("org.opencontainers.image.ref.name").asText());
    JsonNode docker = ArchiveJson.parse(contents.get("manifest.json"), "manifest.json").get(0);
    assertEquals("blobs/sha256/" + a.config().hex(), docker.path("Config").asText());
    assertEquals("export:1.0", docker.path("RepoTags").get(0).asText());
    assertEquals("blobs/sha256/" + a.layers().get(1).hex(), docker.path("Layers").get(1).asText());
  }

  @Test
  void reimportingAnExportGivesTheSameImage() throws IOException {
    TestImages.Image amd = TestImages.image("round", "amd64", "", 2, true, true);
    TestImages.Image arm = TestImages.image("round", "arm64", "v8", 2, true, true);
    TestImages.Layout layout = new TestImages.Layout().addIndex(List.of(amd, arm), "latest");
    layout.blobs.values().forEach(b -> store.blobs.put(b.digest(), b.bytes()));
    TestImages.Blob index =
        layout.blobs.values().stream()
            .filter(b -> b.mediaType().equals(MediaTypes.OCI_INDEX))
            .findFirst()
            .orElseThrow();
    byte[] tar =
        export(
            List.of(new ArchiveExporter.Image("example.com/round:latest", target(index), Map.of())),
            new ArchiveExporter.Options(PlatformMatcher.host(), true, false, false));

    MemoryBlobSink again = new MemoryBlobSink();
    ImportedArchive imported =
        ArchiveImporter.read(new ByteArrayInputStream(tar), "", again, ArchiveLimits.DEFAULTS);
    ImportWalker.Result result =
        new ImportWalker(again, PlatformMatcher.all(), false, 0, ArchiveLimits.DEFAULTS)
            .walk(imported);
    assertEquals(index.digest(), result.images().get(0).getDigest());
    assertEquals(
        "example.com/round:latest",
        result.images().get(0).getAnnotationsMap().get("io.containerd.image.name"));
    for (TestImages.Blob b : layout.blobs.values()) {
      assertTrue(again.blobs.containsKey(b.digest()), "all platforms exported: " + b.digest());
    }
    assertEquals(
        java.util.Arrays.hashCode(tar),
        java.util.Arrays.hashCode(
            export(
                List.of(
                    new ArchiveExporter.Image("example.com/round:latest", target(index), Map.of())),
                new ArchiveExporter.Options(PlatformMatcher.host(), true, false, false))),
        "same images, same bytes");
  }

  @Test
  void platformsLimitTheBlobsAndPickTheDockerManifest() throws IOException {
    TestImages.Image amd = TestImages.image("plat", "amd64", "", 1, true, true);
    TestImages.Image arm = TestImages.image("plat", "arm64", "v8", 1, true, true);
    TestImages.Layout layout = new TestImages.Layout().addIndex(List.of(amd, arm), "latest");
    layout.blobs.values().forEach(b -> store.blobs.put(b.digest(), b.bytes()));
    store.blobs.remove(
        amd.layers().get(0).digest()); // only arm64 is here, as after a pull of arm64
    TestImages.Blob index =
        layout.blobs.values().stream()
            .filter(b -> b.mediaType().equals(MediaTypes.OCI_INDEX))
            .findFirst()
            .orElseThrow();
    Platform arm64 = Platform.newBuilder().setOs("linux").setArchitecture("arm64").build();
    byte[] tar =
        export(
            List.of(new ArchiveExporter.Image("example.com/plat:latest", target(index), Map.of())),
            new ArchiveExporter.Options(
                PlatformMatcher.anyOf(List.of(arm64)), false, false, false));
    Map<String, byte[]> contents = new LinkedHashMap<>();
    Map<String, TarArchiveEntry> entries = entries(tar, contents);
    assertTrue(entries.containsKey("blobs/sha256/" + arm.layers().get(0).hex()));
    assertFalse(entries.containsKey("blobs/sha256/" + amd.manifest().hex()));
    JsonNode docker = ArchiveJson.parse(contents.get("manifest.json"), "manifest.json").get(0);
    assertEquals("blobs/sha256/" + arm.config().hex(), docker.path("Config").asText());
  }

  @Test
  void missingBlobIsNotFoundNamingItBeforeAnyByte() {
    TestImages.Image a = TestImages.image("hole");
    put(a);
    store.blobs.remove(a.layers().get(1).digest());
    StoreException e =
        assertThrows(
            StoreException.class,
            () ->
                ArchiveExporter.plan(
                    List.of(new ArchiveExporter.Image("hole:1", target(a.manifest()), Map.of())),
                    store,
                    HOST,
                    ArchiveLimits.DEFAULTS));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(
        e.getMessage()
            .contains(
                "content digest " + a.layers().get(1).digest() + " not found (layer 1 of manifest"),
        e.getMessage());
  }

  @Test
  void indexWithoutAManifestForThePlatformIsNotFound() {
    TestImages.Image arm = TestImages.image("armonly", "arm64", "v8", 1, true, true);
    TestImages.Layout layout = new TestImages.Layout().addIndex(List.of(arm), "latest");
    layout.blobs.values().forEach(b -> store.blobs.put(b.digest(), b.bytes()));
    TestImages.Blob index =
        layout.blobs.values().stream()
            .filter(b -> b.mediaType().equals(MediaTypes.OCI_INDEX))
            .findFirst()
            .orElseThrow();
    StoreException e =
        assertThrows(
            StoreException.class,
            () ->
                ArchiveExporter.plan(
                    List.of(new ArchiveExporter.Image("armonly:1", target(index), Map.of())),
                    store,
                    HOST,
                    ArchiveLimits.DEFAULTS));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(
        e.getMessage().startsWith("no manifest found for platform linux/amd64"), e.getMessage());
  }

  @Test
  void anIndexWhoseEntriesHaveNoPlatformIsExportedWhole() throws IOException {
    // What importing an OCI archive with --index-name stores: its index.json, entries without
    // platforms. containerd exports it; so must we, keeping every entry.
    TestImages.Image amd = TestImages.image("noplat", "amd64", "", 1, true, true);
    TestImages.Image arm = TestImages.image("noplat", "arm64", "v8", 1, true, true);
    TestImages.Layout layout = new TestImages.Layout().add(amd, "amd", null).add(arm, "arm", null);
    layout.blobs.values().forEach(b -> store.blobs.put(b.digest(), b.bytes()));
    TestImages.Blob index = new TestImages.Blob(MediaTypes.OCI_INDEX, layout.indexJson());
    store.blobs.put(index.digest(), index.bytes());
    byte[] tar =
        export(
            List.of(new ArchiveExporter.Image("example.com/noplat:all", target(index), Map.of())),
            HOST);
    Map<String, byte[]> contents = new LinkedHashMap<>();
    Map<String, TarArchiveEntry> entries = entries(tar, contents);
    for (TestImages.Image image : List.of(amd, arm)) {
      assertTrue(entries.containsKey("blobs/sha256/" + image.manifest().hex()));
      assertTrue(entries.containsKey("blobs/sha256/" + image.layers().get(0).hex()));
    }
    JsonNode docker = ArchiveJson.parse(contents.get("manifest.json"), "manifest.json").get(0);
    assertEquals("blobs/sha256/" + amd.config().hex(), docker.path("Config").asText());
  }
}
