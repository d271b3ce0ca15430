package dev.transferd.plugin.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd 1.6, started by a test or a bench as root with its config, root, state, opt
 * directory and sockets in a temporary directory (it is ready in about 0.1 s), and {@code ctr}
 * pointed at it. Only the content and image services matter here: CRI and the snapshotters that
 * need special filesystems are off.
 */
public final class Containerd implements AutoCloseable {
  static final String CONTAINERD = "/usr/bin/containerd";
  static final String CTR = "/usr/bin/ctr";

  /** How long one ctr command may take: a bench imports and exports a whole GiB in one. */
  private static final long COMMAND_TIMEOUT_SECONDS = 600;

  private final Path socket;
  private final Process process;

  private Containerd(Path socket, Process process) {
    this.socket = socket;
    this.process = process;
  }

  /**
   * Starts containerd in {@code dir} (created if missing) and waits up to 30 s until {@code ctr
   * version} gets an answer; fails with containerd's log if it exits first.
   */
  public static Containerd start(Path dir) throws IOException, InterruptedException {
    return start(dir, "", "");
  }

  /**
   * Starts containerd with transferd's gRPC socket {@code proxySocket} as its only content store:
   * the README's {@code [proxy_plugins]} entry, the built-in content plugin disabled. containerd
   * dials the socket lazily, so transferd need not be up yet.
   */
  public static Containerd startWithContentProxy(Path dir, Path proxySocket)
      throws IOException, InterruptedException {
    return start(
        dir,
        ", \"io.containerd.content.v1.content\"",
        """
        [proxy_plugins.transferd]
          type = "content"
          address = "%s"
        """
            .formatted(proxySocket));
  }

  /** containerd's own content directory, which stays empty with a content proxy. */
  public static Path contentDirectory(Path dir) {
    return dir.resolve("root").resolve("io.containerd.content.v1.content");
  }

  private static Containerd start(Path dir, String moreDisabled, String moreToml)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("containerd.sock");
    String config =
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
          "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
          "io.containerd.snapshotter.v1.aufs"%3$s]
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          level = "warn"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        """
                .formatted(dir, socket, moreDisabled)
            + moreToml;
    Path toml = dir.resolve("config.toml");
    Files.writeString(toml, config);
    Path log = dir.resolve("containerd.log");
    Process process =
        new ProcessBuilder(CONTAINERD, "--config", toml.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Containerd c = new Containerd(socket, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(Files.exists(socket) && c.answers())) {
      if (!process.isAlive()) {
        throw new IOException("containerd exited: " + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        c.close();
        throw new IOException("containerd did not answer within 30 s: " + Files.readString(log));
      }
      Thread.sleep(25);
    }
    return c;
  }

  /** containerd's gRPC socket, for {@code ctr -a}. */
  public Path socket() {
    return socket;
  }

  private boolean answers() throws IOException, InterruptedException {
    Process v =
        new ProcessBuilder(CTR, "-a", socket.toString(), "version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return v.waitFor(10, TimeUnit.SECONDS) && v.exitValue() == 0;
  }

  /** The command line {@code ctr -a <socket> -n default <args>}, for a caller that runs it. */
  public List<String> ctrCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(CTR, "-a", socket.toString(), "-n", "default"));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs {@code ctr -a <socket> -n default <args>} and returns its output; fails on a non-zero
   * exit.
   */
  public String ctr(String... args) throws IOException, InterruptedException {
    return run(ctrCommand(args));
  }

  /** Runs {@code command} and returns its output; fails on a non-zero exit or after 10 minutes. */
  public static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
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
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
