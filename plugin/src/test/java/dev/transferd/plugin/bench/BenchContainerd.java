package dev.transferd.plugin.bench;

import dev.transferd.plugin.archive.Containerd;
import java.nio.file.Path;
import java.util.List;

/**
 * The tests' {@link Containerd} in the shape {@link RegistryBench} drives it: {@code ctr} command
 * lines that the bench runs itself, with its own logs and timing.
 */
final class BenchContainerd implements AutoCloseable {
  private final Containerd containerd;

  private BenchContainerd(Containerd containerd) {
    this.containerd = containerd;
  }

  static BenchContainerd start(Path dir) throws Exception {
    return new BenchContainerd(Containerd.start(dir));
  }

  Path socket() {
    return containerd.socket();
  }

  /** {@code ctr -a <socket> -n default ARGS...}. */
  List<String> ctr(String... args) {
    return containerd.ctrCommand(args);
  }

  @Override
  public void close() throws InterruptedException {
    containerd.close();
  }
}
