package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.transferd.plugin.archive.Digests;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUnpackerTest {
  @TempDir Path tmp;

  @Test
  void layersApplyInOrderWithFilesLinksAndMetadata() throws IOException {
    RealPeers.requireRoot("ownership, device nodes and security.capability need root");
    TestLayers layers =
        new TestLayers()
            .add(
                new LayerTar()
                    .dir("bin", 0755)
                    .owned(0, 0)
                    .file("bin/tool", 04755, "setuid tool")
                    .dir("tmp", 01777)
                    .owned(1000, 1001)
                    .file("home.txt", 0640, "owned by 1000")
                    .symlink("link", "bin/tool")
                    .symlink("chain", "link")
                    .hardlink("bin/tool2", "bin/tool")
                    .device("null", TarConstants.LF_CHR, 0666, 1, 3)
                    .fifo("pipe", 0600)
                    .xattr(
                        "security.capability",
                        "\u0001\0\0\u0002\0\u0004\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
                    .file("bin/ping", 0755, "ping"))
            .add(
                new LayerTar()
                    .file("bin/tool", 02755, "replaced")
                    .hardlink("tool3", "bin/tool2")
                    .dir("tmp/sub", 0700));

    UnpackResult result =
        ImageUnpacker.unpack(layers.layers(), layers, tmp.resolve("rootfs"), UnpackListener.NONE);

    assertEquals(List.of(), result.skipped());
    String m = " mtime=2024-03-01T12:00:00.250Z";
    assertEquals(
        List.of(
            "/ dir 0755 0:0",
            "/bin dir 0755 0:0" + m,
            "/bin/ping file 0755 0:0 size=4 "
                + Digests.of(utf8("ping"))
                + " security.capability=0100000200040000000000000000000000000000"
                + m,
            "/bin/tool file 2755 0:0 size=8 " + Digests.of(utf8("replaced")) + m,
            "/bin/tool2 file 4755 0:0 size=11 " + Digests.of(utf8("setuid tool")) + m,
            "/chain symlink 0:0 -> link" + m,
            "/home.txt file 0640 1000:1001 size=13 " + Digests.of(utf8("owned by 1000")) + m,
            "/link symlink 0:0 -> bin/tool" + m,
            "/null chr 0666 0:0 dev=1,3" + m,
            "/pipe fifo 0600 0:0" + m,
            "/tmp dir 1777 0:0" + m,
            "/tmp/sub dir 0700 0:0" + m,
            "/tool3 file 4755 0:0 size=11 " + Digests.of(utf8("setuid tool")) + m),
        TreeListing.of(tmp.resolve("rootfs"), true));
    assertEquals(
        Files.getAttribute(tmp.resolve("rootfs/bin/tool2"), "unix:ino"),
        Files.getAttribute(tmp.resolve("rootfs/tool3"), "unix:ino"));
  }

  @Test
  void whiteoutsHideLowerPathsAndOpaqueDirectoriesKeepOnlyTheirOwnLayer() throws IOException {
    TestLayers layers =
        new TestLayers()
            .add(
                new LayerTar()
                    .dir("etc", 0755)
                    .file("etc/a", 0644, "a")
                    .file("etc/b", 0644, "b")
                    .dir("opt", 0755)
                    .dir("opt/old", 0755)
                    .file("opt/old/x", 0644, "x")
                    .file("opt/keep-not", 0644, "y"))
            .add(
                new LayerTar()
                    .file("etc/.wh.a", 0644, "")
                    .file("opt/new", 0644, "new")
                    .dir("opt/old", 0755)
                    .file("opt/old/fresh", 0644, "fresh")
                    .file("opt/.wh..wh..opq", 0644, "")
                    .file(".wh.missing", 0644, ""));

    ImageUnpacker.unpack(layers.layers(), layers, tmp.resolve("rootfs"), UnpackListener.NONE);

    assertEquals(
        List.of("etc", "etc/b", "opt", "opt/new", "opt/old", "opt/old/fresh"),
        names(tmp.resolve("rootfs")));
  }

  @Test
  void gzipZstdAndUncompressedLayersAllApply() throws IOException {
    byte[] one = new LayerTar().file("one", 0644, "1").bytes();
    byte[] two = new LayerTar().file("two", 0644, "2").bytes();
    byte[] three = new LayerTar().file("three", 0644, "3").bytes();
    TestLayers layers =
        new TestLayers()
            .add(LayerTar.gzip(one), "application/vnd.oci.image.layer.v1.tar+gzip", Digests.of(one))
            .add(LayerTar.zstd(two), "application/vnd.oci.image.layer.v1.tar+zstd", Digests.of(two))
            .add(three, "application/vnd.oci.image.layer.v1.tar", Digests.of(three));

    ImageUnpacker.unpack(layers.layers(), layers, tmp.resolve("rootfs"), UnpackListener.NONE);

    assertEquals(List.of("one", "three", "two"), names(tmp.resolve("rootfs")));
  }

  @Test
  void anExistingNonEmptyTargetIsRefusedAndKept() throws IOException {
    Files.createDirectories(tmp.resolve("rootfs"));
    Files.writeString(tmp.resolve("rootfs/mine"), "keep");
    TestLayers layers = new TestLayers().add(new LayerTar().file("f", 0644, "f"));

    FileAlreadyExistsException e =
        assertThrows(
            FileAlreadyExistsException.class,
            () ->
                ImageUnpacker.unpack(
                    layers.layers(), layers, tmp.resolve("rootfs"), UnpackListener.NONE));
    assertEquals(tmp.resolve("rootfs") + ": exists and is not empty", e.getMessage());
    assertEquals(List.of("rootfs", "rootfs/mine"), names(tmp));
  }

  @Test
  void withoutPrivilegeOwnershipDevicesAndCapabilitiesAreSkippedAndRecorded() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("tree"));
    LayerApplier applier = new LayerApplier(new TreeRoot(root), NativeFiles.get(), false);
    byte[] tar =
        new LayerTar()
            .owned(1000, 1000)
            .file("a", 0644, "a")
            .owned(1000, 1000)
            .file("b", 0644, "b")
            .device("null", TarConstants.LF_CHR, 0666, 1, 3)
            .xattr("security.capability", "\u0001\0\0\u0002\0\u0004\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
            .file("ping", 0755, "ping")
            .fifo("pipe", 0600)
            .bytes();

    applier.apply("layer x", new java.io.ByteArrayInputStream(tar));
    applier.finish();

    assertEquals(
        List.of(
            "ownership of 2 entries (e.g. /a (1000:1000), /b (1000:1000))",
            "device node of 1 entry (e.g. /null)",
            "xattr security.capability of 1 entry (e.g. /ping)"),
        applier.skipped().kinds().stream().map(Object::toString).toList());
    assertEquals(List.of("a", "b", "ping", "pipe"), names(root));
  }

  static List<String> names(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root))
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
