package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.ttrpc.testing.RealPeers;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same image unpacked by transferd and by Debian's umoci gives the same tree: every path's
 * type, mode, owner, size, content digest, link target, device numbers, xattrs and mtime.
 */
class UmociComparisonTest {
  private static final String CAP_NET_BIND_SERVICE =
      "\u0001\0\0\u0002\0\u0004\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

  /** cap_setuid+ep: bit 7, so the permitted mask's first byte is 0x80, which is not UTF-8. */
  private static final byte[] CAP_SETUID = {
    1, 0, 0, 2, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  @TempDir Path tmp;

  @Test
  void everyKindOfEntryAndWhiteoutUnpacksAsUmociUnpacksIt() throws Exception {
    Umoci.require();
    RealPeers.requireRoot("umoci and transferd make devices and owners only as root");
    TestLayers layers =
        new TestLayers()
            .add(
                new LayerTar()
                    .dir("bin", 0755)
                    .file("bin/sh", 0755, "#!shell")
                    .file("bin/su", 04755, "setuid")
                    .file("bin/wall", 02755, "setgid")
                    .xattr("security.capability", CAP_NET_BIND_SERVICE)
                    .file("bin/ping", 0755, "ping")
                    .rawXattr("security.capability", CAP_SETUID)
                    .file("bin/newuidmap", 0755, "newuidmap")
                    .hardlink("bin/sh-again", "bin/sh")
                    .dir("tmp", 01777)
                    .dir("dev", 0755)
                    .device("dev/null", TarConstants.LF_CHR, 0666, 1, 3)
                    .device("dev/loop0", TarConstants.LF_BLK, 0660, 7, 0)
                    .fifo("dev/initctl", 0600)
                    .dir("etc", 0755)
                    .file("etc/passwd", 0644, "root:x:0:0")
                    .file("etc/gone", 0644, "removed by layer 2")
                    .owned(1000, 1000)
                    .dir("home", 0750)
                    .owned(1000, 1000)
                    .file("home/notes", 0600, "mine")
                    .dir("opt", 0755)
                    .dir("opt/app", 0755)
                    .file("opt/app/old", 0644, "hidden by the opaque dir")
                    .dir("opt/app/lib", 0755)
                    .file("opt/app/lib/old.so", 0644, "hidden too")
                    .symlink("link1", "link2")
                    .symlink("link2", "link3")
                    .symlink("link3", "bin/sh")
                    .symlink("dangling", "/nowhere"))
            .add(
                new LayerTar()
                    .file("etc/.wh.gone", 0, "")
                    .dir("opt/app", 0755)
                    .file("opt/app/.wh..wh..opq", 0, "")
                    .file("opt/app/new", 0644, "only this stays")
                    .hardlink("etc/sh-link", "bin/sh")
                    .file("bin/su", 04750, "setuid v2")
                    .symlink("etc/passwd-link", "../etc/passwd"))
            .add(new LayerTar().file("etc/.wh.passwd-link", 0, "").file("etc/added", 0640, "3"));
    TestImage image = new TestImage(layers);
    Path layout = image.writeLayout(tmp.resolve("layout"), "1", "localhost/app:1");

    Path theirs = Umoci.unpack(layout, "1", tmp.resolve("bundle"));
    ImageUnpacker.unpack(layers.layers(), layers, tmp.resolve("ours"), UnpackListener.NONE);

    java.nio.file.Files.write(Path.of("/tmp/unpack-theirs.txt"), TreeListing.of(theirs, true));
    java.nio.file.Files.write(
        Path.of("/tmp/unpack-ours.txt"), TreeListing.of(tmp.resolve("ours"), true));
    assertEquals(
        String.join("\n", TreeListing.of(theirs, true)),
        String.join("\n", TreeListing.of(tmp.resolve("ours"), true)));
  }
}
