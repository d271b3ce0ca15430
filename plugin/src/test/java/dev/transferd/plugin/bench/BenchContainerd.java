package dev.transferd.plugin.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd 1.6, started as root with its own root, state, sockets and config in a temp
 * directory (no CRI), for {@code ctr} to fetch into and push from. Stopped by its pid on close.
 */
final class BenchContainerd implements AutoCloseable {
  private final Path dir;
  private final Process process;

  private BenchContainerd(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  static BenchContainerd start(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path config = dir.resolve("config.toml");
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%1$s/c.sock"
        [ttrpc]
          address = "%1$s/c.sock.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        """
            .formatted(dir));
    Process p =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    BenchContainerd c = new BenchContainerd(dir, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "containerd exited: " + Files.readString(dir.resolve("containerd.log")));
      }
      if (Files.exists(c.socket()) && c.answers()) {
        return c;
      }
      if (System.nanoTime() > deadline) {
        c.close();
        throw new IllegalStateException("containerd did not answer within 30 s");
      }
      Thread.sleep(100);
    }
  }

  Path socket() {
    return dir.resolve("c.sock");
  }

  private boolean answers() throws IOException, InterruptedException {
    Process v =
        new ProcessBuilder("ctr", "-a", socket().toString(), "version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return v.waitFor(10, TimeUnit.SECONDS) && v.exitValue() == 0;
  }

  /** {@code ctr -a <socket> -n default ARGS...}. */
  List<String> ctr(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket().toString(), "-n", "default"));
    cmd.addAll(List.of(args));
    return cmd;
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
