package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.transferd.plugin.archive.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers written to escape the target directory or to pass for what they are not. Each either stays
 * inside the tree or fails naming the entry; a failure leaves neither the target nor a partial tree
 * behind, and nothing outside ever changes.
 */
class HostileLayerTest {
  @TempDir Path tmp;
  private Path outside;
  private Path rootfs;

  @BeforeEach
  void sentinel() throws IOException {
    outside = Files.createDirectory(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "secret");
    rootfs = tmp.resolve("rootfs");
  }

  @Test
  void symlinkThenWriteLandsInsideTheTree() throws IOException {
    unpack(
        new LayerTar()
            .symlink("a", "../outside")
            .symlink("b", "/outside")
            .file("a/passwd", 0644, "via relative")
            .file("b/shadow", 0644, "via absolute"));

    assertOutsideUntouched();
    assertEquals("via relative", Files.readString(rootfs.resolve("outside/passwd")));
    assertEquals("via absolute", Files.readString(rootfs.resolve("outside/shadow")));
  }

  @Test
  void symlinkPlantedInOneLayerIsNotFollowedOutByTheNext() throws IOException {
    TestLayers layers =
        new TestLayers()
            .add(
                new LayerTar()
                    .dir("etc", 0755)
                    .symlink("etc/conf", tmp.resolve("outside").toString()))
            .add(new LayerTar().file("etc/conf/secret", 0644, "overwritten?"));

    ImageUnpacker.unpack(layers.layers(), layers, rootfs, UnpackListener.NONE);

    assertOutsideUntouched();
    assertEquals(
        "overwritten?",
        Files.readString(rootfs.resolve(tmp.resolve("outside/secret").toString().substring(1))));
  }

  @Test
  void absolutePathsAreTakenInsideTheTree() throws IOException {
    unpack(new LayerTar().file(outside.resolve("secret").toString(), 0644, "inside"));

    assertOutsideUntouched();
    assertEquals(
        "inside",
        Files.readString(rootfs.resolve(outside.resolve("secret").toString().substring(1))));
  }

  @Test
  void dotDotInANameIsRefused() {
    assertRefused(
        new LayerTar().file("../outside/secret", 0644, "x"),
        ": entry \"../outside/secret\": path traversal (\"..\") refused");
  }

  @Test
  void hardlinkClimbingOutIsRefused() {
    assertRefused(
        new LayerTar().hardlink("h", "../outside/secret"),
        ": entry \"h\" (hardlink target): path traversal (\"..\") refused");
  }

  @Test
  void hardlinkToAnAbsolutePathOutsideIsRefused() {
    assertRefused(
        new LayerTar().hardlink("h", outside.resolve("secret").toString()),
        ": entry \"h\": hardlink target \"" + outside.resolve("secret") + "\" is not in the tree");
  }

  @Test
  void hardlinkThroughAPlantedSymlinkIsRefused() {
    assertRefused(
        new LayerTar().symlink("out", outside.toString()).hardlink("h", "out/secret"),
        ": entry \"h\": hardlink target \"out/secret\" is not in the tree");
  }

  @Test
  void whiteoutOfDotDotIsRefused() {
    assertRefused(
        new LayerTar().dir("a", 0755).file("a/.wh...", 0644, ""),
        ": entry \"a/.wh...\": whiteout of \"..\" refused");
  }

  @Test
  void whiteoutThroughAPlantedSymlinkRemovesNothingOutside() throws IOException {
    unpack(new LayerTar().symlink("out", outside.toString()).file("out/.wh.secret", 0644, ""));

    assertOutsideUntouched();
  }

  @Test
  void aSymlinkLoopIsRefused() {
    assertRefused(
        new LayerTar().symlink("a", "b").symlink("b", "a").file("a/x", 0644, "x"),
        ": entry \"a/x\": too many levels of symbolic links");
  }

  @Test
  void aFileInTheWayOfADirectoryIsRefused() {
    assertRefused(
        new LayerTar().file("f", 0644, "f").file("f/x", 0644, "x"),
        ": entry \"f/x\": \"/f\" is not a directory");
  }

  @Test
  void aLayerWhoseDiffIdLiesLeavesNoTree() {
    byte[] honest = new LayerTar().file("good", 0644, "good").bytes();
    byte[] lying = new LayerTar().file("evil", 0644, "evil").bytes();
    TestLayers layers =
        new TestLayers()
            .add(
                LayerTar.gzip(honest),
                "application/vnd.oci.image.layer.v1.tar+gzip",
                Digests.of(honest))
            .add(
                LayerTar.gzip(lying),
                "application/vnd.oci.image.layer.v1.tar+gzip",
                Digests.of(honest));

    InvalidLayerException e =
        assertThrows(
            InvalidLayerException.class,
            () -> ImageUnpacker.unpack(layers.layers(), layers, rootfs, UnpackListener.NONE));

    assertEquals(
        "layer "
            + layers.layers().get(1).blob().getDigest()
            + ": uncompressed content is "
            + Digests.of(lying)
            + ", not the config's diff_id "
            + Digests.of(honest),
        e.getMessage());
    assertNothingLeft();
  }

  private void unpack(LayerTar tar) throws IOException {
    TestLayers layers = new TestLayers().add(tar);
    ImageUnpacker.unpack(layers.layers(), layers, rootfs, UnpackListener.NONE);
  }

  private void assertRefused(LayerTar tar, String messageAfterLayer) {
    TestLayers layers = new TestLayers().add(tar);
    InvalidLayerException e =
        assertThrows(
            InvalidLayerException.class,
            () -> ImageUnpacker.unpack(layers.layers(), layers, rootfs, UnpackListener.NONE));
    assertEquals(
        "layer " + layers.layers().getFirst().blob().getDigest() + messageAfterLayer,
        e.getMessage());
    assertNothingLeft();
  }

  private void assertOutsideUntouched() throws IOException {
    assertEquals(List.of("secret"), ImageUnpackerTest.names(outside));
    assertEquals("secret", Files.readString(outside.resolve("secret")));
    assertEquals(1, Files.getAttribute(outside.resolve("secret"), "unix:nlink"));
  }

  private void assertNothingLeft() {
    try {
      assertOutsideUntouched();
      assertEquals(List.of("outside", "outside/secret"), ImageUnpackerTest.names(tmp));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
