package dev.transferd.plugin.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd 1.6, started by a test as root with its config, root, state and socket in a
 * temporary directory (it is ready in about 0.1 s), and {@code ctr} pointed at it. Only the content
 * and image services matter here: CRI and the snapshotters that need special filesystems are off.
 */
final class Containerd implements AutoCloseable {
  static final String CONTAINERD = "/usr/bin/containerd";
  static final String CTR = "/usr/bin/ctr";

  private final Path dir;
  private final Path socket;
  private final Process process;

  private Containerd(Path dir, Path socket, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
  }

  static Containerd start(Path dir) throws IOException, InterruptedException {
    Path socket = dir.resolve("containerd.sock");
    String config =
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
          "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
          "io.containerd.snapshotter.v1.aufs"]
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          level = "warn"
        """
            .formatted(dir, socket);
    Path toml = dir.resolve("config.toml");
    Files.writeString(toml, config);
    Process process =
        new ProcessBuilder(CONTAINERD, "--config", toml.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    Containerd c = new Containerd(dir, socket, process);
    for (int i = 0; i < 200 && !Files.exists(socket); i++) {
      if (!process.isAlive()) {
        throw new IOException(
            "containerd exited: " + Files.readString(dir.resolve("containerd.log")));
      }
      Thread.sleep(25);
    }
    c.ctr("version");
    return c;
  }

  /**
   * Runs {@code ctr -a <socket> -n default <args>} and returns its output; fails on a non-zero
   * exit.
   */
  String ctr(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CTR, "-a", socket.toString(), "-n", "default"));
    command.addAll(List.of(args));
    return run(command);
  }

  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " timed out");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + text);
    }
    return text;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
