package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.archive.Containerd;
import dev.transferd.plugin.containerd.BusyboxImage;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Next to containerd" snippet, read from the README itself, added to an isolated
 * containerd 1.6 config (temp root, state and sockets; the snippet's paths moved under a temp
 * directory): transferd reads its settings from the file without a warning, containerd starts with
 * transferd as its content store, and {@code ctr images import} + {@code ctr run} run an image
 * whose every blob is in transferd's store.
 */
class ReadmeContainerdSnippetTest {
  private static final Path README = Path.of("../README.md");
  private static final String IMAGE = "docker.io/transferd/readme:1";

  @TempDir Path dir;

  @BeforeAll
  static void needsContainerdRuncBusyboxAndRoot() {
    RealPeers.requireRoot("containerd and runc");
    RealPeers.requireExecutable("/usr/bin/containerd", "containerd");
    RealPeers.requireExecutable("/usr/sbin/runc", "runc");
    RealPeers.requireExecutable(BusyboxImage.BUSYBOX.toString(), "busybox-static");
  }

  /** The first {@code toml} block after the README's "### Next to containerd" heading. */
  static String readmeSnippet() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("### Next to containerd");
    assertTrue(section >= 0, "README has no Next to containerd section");
    int start = readme.indexOf("```toml\n", section) + "```toml\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  @Test
  void theReadmeSnippetMakesContainerdRunAnImageFromTransferdsStore() throws Exception {
    String snippet = readmeSnippet();
    for (String path :
        List.of("/run/transferd/", "/var/lib/transferd", "/etc/containerd/certs.d")) {
      assertTrue(snippet.contains(path), "the snippet no longer names " + path);
    }
    String disabled = "disabled_plugins = [\"io.containerd.content.v1.content\"]";
    assertTrue(snippet.contains(disabled), snippet);
    String isolatedSnippet =
        snippet
            .replace("/run/transferd/", dir + "/run/")
            .replace("/var/lib/transferd", dir + "/transferd")
            .replace("/etc/containerd/certs.d", dir + "/certs.d")
            .replace(
                disabled,
                "disabled_plugins = [\"io.containerd.content.v1.content\","
                    + " \"io.containerd.grpc.v1.cri\"]");
    Path config = dir.resolve("config.toml");
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/containerd/root"
        state = "%1$s/containerd/state"
        """
                .formatted(dir)
            + isolatedSnippet
            + """

            [grpc]
              address = "%1$s/containerd.sock"
            [ttrpc]
              address = "%1$s/containerd.sock.ttrpc"
            [plugins."io.containerd.internal.v1.opt"]
              path = "%1$s/containerd/opt"
            """
                .formatted(dir));

    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(List.of(), ConfigFile.readContainerd(config, builder));
    DaemonConfig settings =
        builder.build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock")));
    assertEquals(dir.resolve("run/content.sock"), settings.grpc().address());

    BusyboxImage image = BusyboxImage.write(dir.resolve("image"), IMAGE);
    Path log = dir.resolve("containerd.log");
    Process containerd =
        new ProcessBuilder("/usr/bin/containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try (Daemon transferd = Daemon.start(settings)) {
      awaitCtrVersion(containerd, log);
      ctr("images", "import", image.archive().toString());
      assertEquals(BusyboxImage.GREETING + "\n", ctr("run", "--rm", IMAGE, "readme-1"));
      for (String digest : image.digests()) {
        assertTrue(
            Files.isRegularFile(
                dir.resolve("transferd/content/blobs/sha256").resolve(BusyboxImage.hex(digest))),
            digest);
      }
      Path own = dir.resolve("containerd/root/io.containerd.content.v1.content");
      try (Stream<Path> files = Files.exists(own) ? Files.walk(own) : Stream.empty()) {
        assertEquals(List.of(), files.filter(Files::isRegularFile).toList());
      }
    } finally {
      containerd.destroy();
      if (!containerd.waitFor(20, TimeUnit.SECONDS)) {
        containerd.destroyForcibly().waitFor();
      }
    }
  }

  private String ctr(String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                "/usr/bin/ctr", "-a", dir.resolve("containerd.sock").toString(), "-n", "default"));
    command.addAll(List.of(args));
    return Containerd.run(command);
  }

  private void awaitCtrVersion(Process containerd, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        ctr("version");
        return;
      } catch (IOException notYet) {
        if (!containerd.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("containerd did not serve: " + Files.readString(log), notYet);
        }
        Thread.sleep(50);
      }
    }
  }
}
