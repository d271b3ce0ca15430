package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.plugin.archive.Containerd;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.unpack.LayerTar;
import dev.transferd.plugin.unpack.TestImage;
import dev.transferd.plugin.unpack.TestLayers;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.RepackDirectory;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.UnpackDirectory;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A repacked image runs in Debian's containerd 1.6 and sees the change made to its tree. */
class RepackRunsInContainerdTest {
  private static final String BUSYBOX = "/bin/busybox";

  @TempDir Path tmp;

  @Test
  void ctrRunsTheRepackedImageAndSeesTheNewFile() throws Exception {
    RealPeers.requireRoot("containerd runs containers as root");
    RealPeers.requireExecutable("/usr/bin/containerd", "containerd");
    RealPeers.requireExecutable(BUSYBOX, "busybox-static");
    try (StoreTransferFixture fixture =
        StoreTransferFixture.start(tmp.resolve("store"), EmbeddedStoreOptions.defaults())) {
      new TestImage(
              new TestLayers()
                  .add(
                      new LayerTar()
                          .dir("bin", 0755)
                          .file("bin/busybox", 0755, Files.readAllBytes(Path.of(BUSYBOX)))
                          .hardlink("bin/sh", "bin/busybox", 0755)
                          .hardlink("bin/cat", "bin/busybox", 0755)
                          .dir("etc", 0755)
                          .file("etc/motd", 0644, "base\n")
                          .file("etc/gone", 0644, "gone\n")))
          .storeIn(fixture.store, "default", "localhost/busybox:1");
      Path dir = tmp.resolve("rootfs");
      fixture.client.transfer(
          StoredImage.named("localhost/busybox:1"), UnpackDirectory.at(dir.toString()));
      Files.writeString(dir.resolve("etc/motd"), "repacked\n");
      Files.delete(dir.resolve("etc/gone"));
      fixture.client.transfer(
          RepackDirectory.of(dir.toString(), "localhost/busybox:1"),
          StoredImage.named("localhost/busybox:2"));
      Path archive = tmp.resolve("busybox2.tar");
      try (OutputStream out = Files.newOutputStream(archive)) {
        fixture.client.transfer(StoredImage.named("localhost/busybox:2"), ExportArchive.to(out));
      }

      try (Containerd containerd = Containerd.start(tmp.resolve("containerd"))) {
        containerd.ctr("images", "import", archive.toString());
        String out =
            containerd.ctr(
                "run",
                "--rm",
                "localhost/busybox:2",
                "repack-test",
                "/bin/sh",
                "-c",
                "cat /etc/motd; ls /etc");
        assertEquals("repacked\nmotd\n", out);
      }
    }
  }
}
