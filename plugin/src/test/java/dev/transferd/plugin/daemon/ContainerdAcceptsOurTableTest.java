package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd 1.6 ({@code /usr/bin/containerd}, run as root) starts and serves with our
 * table in its config.toml, and transferd reads the same file; a {@code [proxy_plugins]} entry for
 * a transfer service, by contrast, makes containerd panic (docs/protocol/transfer.md §9.2), which
 * is why the README advises none but {@code type = "content"} ({@code
 * ReadmeContainerdSnippetTest}).
 */
class ContainerdAcceptsOurTableTest {
  private static final Path CONTAINERD = Path.of("/usr/bin/containerd");
  private static final Path CTR = Path.of("/usr/bin/ctr");

  @TempDir Path dir;

  @BeforeAll
  static void needsContainerdAndRoot() {
    assumeTrue(Files.isExecutable(CONTAINERD) && Files.isExecutable(CTR), "containerd installed");
    assumeTrue(DefaultLocations.currentUid() == 0, "containerd runs as root");
  }

  /** An isolated containerd: temp root, state and sockets, no CRI. */
  private String containerdConfig(String extra) {
    return """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%1$s/containerd.sock"
        [ttrpc]
          address = "%1$s/containerd.sock.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        """
            .formatted(dir)
        + extra;
  }

  private static final String OUR_TABLE =
      """
      [plugins."dev.transferd.v1.transfer"]
        max_concurrent_downloads = 6
        config_path = "/etc/containerd/certs.d"
        [plugins."dev.transferd.v1.transfer".ttrpc]
          address = "/run/transferd/transferd.sock"
        [[plugins."dev.transferd.v1.transfer".unpack_config]]
          platform = "linux/amd64"
      """;

  @Test
  void containerdStartsAndServesWithOurTableAndTransferdReadsIt() throws Exception {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, containerdConfig(OUR_TABLE));
    Path log = dir.resolve("containerd.log");
    Process containerd = startContainerd(config, log);
    try {
      String served =
          ctrVersionAnswers(containerd) ? "" : "containerd did not serve:\n" + read(log);
      assertEquals("", served);
      assertTrue(containerd.isAlive());
    } finally {
      containerd.destroy();
      containerd.waitFor(10, TimeUnit.SECONDS);
    }
    assertFalse(read(log).contains("panic"), read(log));

    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    List<String> warnings = ConfigFile.readContainerd(config, builder);
    DaemonConfig ours =
        builder.build(new DefaultLocations(Path.of("/default"), Path.of("/default.sock")));
    assertEquals(6, ours.maxConcurrentDownloads());
    assertEquals(Path.of("/run/transferd/transferd.sock"), ours.address());
    assertEquals(1, warnings.size(), "unpack_config is containerd's and unused here");
  }

  @Test
  void aProxyPluginEntryForTransferMakesContainerdPanic() throws Exception {
    Path config = dir.resolve("config.toml");
    Files.writeString(
        config,
        containerdConfig(
            """
            [proxy_plugins.transferd]
              type = "transfer"
              address = "/run/transferd/transferd.sock"
            """));
    Path log = dir.resolve("containerd.log");
    Process containerd = startContainerd(config, log);
    try {
      assertTrue(containerd.waitFor(20, TimeUnit.SECONDS), "containerd should exit");
      // Which panic wins is a race inside containerd 1.6 ("plugin: no type" while loading, or a
      // nil server in ServeGRPC once serving started); either way it dies with a Go panic.
      assertEquals(2, containerd.exitValue(), read(log));
      assertTrue(read(log).contains("unknown proxy plugin type"), read(log));
      assertTrue(read(log).contains("panic:"), read(log));
    } finally {
      containerd.destroyForcibly();
    }
  }

  private Process startContainerd(Path config, Path log) throws IOException {
    return new ProcessBuilder(CONTAINERD.toString(), "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** Polls {@code ctr version} for up to 20 s while containerd is alive. */
  private boolean ctrVersionAnswers(Process containerd) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && containerd.isAlive()) {
      Process ctr =
          new ProcessBuilder(
                  CTR.toString(), "--address", dir.resolve("containerd.sock").toString(), "version")
              .redirectErrorStream(true)
              .start();
      String out = new String(ctr.getInputStream().readAllBytes());
      if (ctr.waitFor() == 0 && out.contains("Server:")) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
