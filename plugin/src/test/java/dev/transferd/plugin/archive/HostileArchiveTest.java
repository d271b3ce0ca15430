package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/** Each hostile or broken archive fails with its own error naming the file and the problem. */
class HostileArchiveTest {
  private final MemoryBlobSink sink = new MemoryBlobSink();

  private String rejection(byte[] archive) {
    return rejection(archive, ArchiveLimits.DEFAULTS);
  }

  private String rejection(byte[] archive, ArchiveLimits limits) {
    InvalidArchiveException e =
        assertThrows(
            InvalidArchiveException.class,
            () -> {
              ImportedArchive imported =
                  ArchiveImporter.read(new ByteArrayInputStream(archive), "", sink, limits);
              new ImportWalker(sink, PlatformMatcher.all(), false, 0, limits).walk(imported);
            });
    assertEquals(0, sink.openIngests, "no ingest left open");
    return e.getMessage();
  }

  private static TarWriter validLayout() {
    TarWriter t = new TarWriter();
    new TestImages.Layout().add(TestImages.image("ok"), "latest", null).writeTo(t, "");
    return t;
  }

  @Test
  void pathTraversalIsRefused() {
    assertEquals(
        "../../etc/cron.d/x: path traversal (\"..\")",
        rejection(new TarWriter().file("../../etc/cron.d/x", "boom").finish()));
  }

  @Test
  void absolutePathIsRefused() {
    assertEquals(
        "/etc/passwd: absolute path", rejection(new TarWriter().file("/etc/passwd", "x").finish()));
  }

  @Test
  void symlinkEscapingTheArchiveIsRefused() {
    assertEquals(
        "blobs/sha256/evil: symlink to \"../../../etc/shadow\" escapes the archive",
        rejection(validLayout().symlink("blobs/sha256/evil", "../../../etc/shadow").finish()));
    assertTrue(
        rejection(new TarWriter().symlink("x", "/etc/shadow").finish())
            .contains("escapes the archive"));
  }

  @Test
  void hardlinkToOutsideIsRefused() {
    assertEquals(
        "layer.tar: hardlink to \"../outside\" points outside the archive",
        rejection(new TarWriter().hardlink("layer.tar", "../outside").finish()));
  }

  @Test
  void deviceFilesAndFifosAreRefused() {
    assertEquals(
        "dev/sda: device file not allowed in an image archive",
        rejection(new TarWriter().special("dev/sda", TarConstants.LF_BLK).finish()));
    assertEquals(
        "dev/null: device file not allowed in an image archive",
        rejection(new TarWriter().special("dev/null", TarConstants.LF_CHR).finish()));
    assertEquals(
        "pipe: FIFO not allowed in an image archive",
        rejection(new TarWriter().special("pipe", TarConstants.LF_FIFO).finish()));
  }

  @Test
  void blobWhoseContentDoesNotMatchItsNameIsRefused() {
    String fake = "sha256:" + "ab".repeat(32);
    String message =
        rejection(
            validLayout()
                .file("blobs/sha256/" + Digests.hex(fake), "not what the name says")
                .finish());
    assertEquals(
        "blobs/sha256/"
            + Digests.hex(fake)
            + ": content digest is "
            + Digests.of(TestImages.utf8("not what the name says"))
            + ", not "
            + fake
            + " as its name says",
        message);
  }

  @Test
  void layerNotMatchingItsDiffIdIsRefused() {
    TestImages.Image a = TestImages.image("diff", "amd64", "", 2, false, false);
    byte[] tampered = a.diffs().get(1).clone();
    tampered[600] ^= 1;
    TestImages.Image bad =
        new TestImages.Image(
            a.os(),
            a.arch(),
            a.variant(),
            a.layers(),
            List.of(a.diffs().get(0), tampered),
            a.config(),
            a.manifest());
    Map<TestImages.Image, List<String>> images = new LinkedHashMap<>();
    images.put(bad, List.of("diff:1"));
    String message = rejection(TestImages.dockerSave(images));
    assertTrue(
        message.startsWith(
            Digests.hex(Digests.of(tampered)) + "/layer.tar: uncompressed digest is "),
        message);
    assertTrue(
        message.contains("expects diff_id " + Digests.of(a.diffs().get(1)) + " for layer 1"),
        message);
  }

  @Test
  void truncatedTarIsRefused() {
    byte[] whole =
        new TarWriter().file("manifest.json", "[]").file("big", new byte[100_000]).finish();
    String message = rejection(Arrays.copyOf(whole, 2048 + 512 + 50_000));
    assertTrue(message.startsWith("big: truncated") || message.startsWith("archive: "), message);
  }

  @Test
  void jsonDocumentDeclaringTenGibibytesIsRefusedBeforeReading() {
    byte[] archive = TarWriter.headerOnly("manifest.json", 10L << 30);
    assertEquals(
        "manifest.json: 10737418240 bytes is over the limit of 8388608 for a JSON document",
        rejection(archive));
  }

  @Test
  void manifestNamingAMissingLayerIsRefused() {
    TestImages.Image a = TestImages.image("missing", "amd64", "", 2, false, false);
    ArrayNode manifest = ArchiveJson.NODES.arrayNode();
    ObjectNode entry = manifest.addObject().put("Config", a.config().hex() + ".json");
    entry.putArray("Layers").add("nope/layer.tar").add("also/layer.tar");
    byte[] archive =
        new TarWriter()
            .file(a.config().hex() + ".json", a.config().bytes())
            .file("manifest.json", ArchiveJson.bytes(manifest))
            .finish();
    assertEquals(
        "manifest.json: image 0: layer \"nope/layer.tar\" is not in the archive",
        rejection(archive));
  }

  @Test
  void garbageIsRefused() {
    byte[] garbage = new byte[4096];
    new java.util.Random(7).nextBytes(garbage);
    assertTrue(rejection(garbage).startsWith("archive: not a valid tar archive"));
    assertTrue(rejection(new byte[0]).startsWith("archive: "));
  }

  @Test
  void badJsonIsRefusedNamingTheDocument() {
    assertTrue(
        rejection(new TarWriter().file("manifest.json", "[{\"Config\": ").finish())
            .startsWith("manifest.json: invalid JSON"));
  }

  @Test
  void legacyLayerJsonThatIsNotAnObjectIsRefusedNamingIt() {
    // Found by ArchiveImporterFuzzTest: this was a ClassCastException.
    byte[] archive =
        new TarWriter()
            .file("repositories", "{\"seed\":{\"latest\":\"0123\"}}")
            .dir("0123")
            .file("0123/json", "5")
            .file("0123/layer.tar", TestImages.layerTar("seed", 0))
            .finish();
    assertEquals("0123/json: expected a JSON object", rejection(archive));
  }

  @Test
  void unknownLayoutIsRefused() {
    assertEquals(
        "archive: unrecognized image format: no oci-layout, manifest.json or repositories at the top level",
        rejection(new TarWriter().file("hello.txt", "hi").file("other/x", "y").finish()));
  }

  @Test
  void manifestBlobMissingFromAnOciLayoutIsRefused() {
    TestImages.Image a = TestImages.image("gone");
    TestImages.Layout layout = new TestImages.Layout().add(a, "latest", null);
    layout.blobs.remove(a.config().digest());
    String message = rejection(layout.tar(""));
    assertEquals(
        "manifest "
            + a.manifest().digest()
            + ": config "
            + a.config().digest()
            + " is not in the archive",
        message);
  }

  @Test
  void archiveOverTheSizeCapIsRefused() {
    byte[] archive = validLayout().finish();
    assertTrue(
        rejection(archive, ArchiveLimits.DEFAULTS.withMaxArchiveBytes(4096))
            .startsWith("archive: larger than the limit of 4096 bytes"));
  }

  @Test
  void archiveWithoutRepoTagIsRefusedWhenRequired() {
    byte[] archive = new TestImages.Layout().add(TestImages.image("untagged"), null, null).tar("");
    assertEquals(
        "index.json: no image in the archive has a repo:tag",
        rejection(archive, ArchiveLimits.DEFAULTS.withRequireRepoTag(true)));
  }
}
