package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code transferd} as its own JVM, started from the test class path with its output (stdout and
 * stderr) in a log file. Closing it kills the process if it is still running.
 */
final class DaemonProcess implements AutoCloseable {
  final Process process;
  final Path socket;
  private final Path log;

  private DaemonProcess(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** The command line that runs {@link Transferd} with {@code args} in a new JVM. */
  static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Transferd.class.getName());
    command.addAll(args);
    return command;
  }

  /**
   * Writes {@code home/transferd.toml}: the root at {@code home/root}, the socket at {@code
   * home/t.sock}, then {@code extra} (more TOML, may be empty). Returns its path.
   */
  static Path writeConfig(Path home, String extra) throws IOException {
    Path config = home.resolve("transferd.toml");
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/root"
        [ttrpc]
        address = "%1$s/t.sock"
        """
                .formatted(home)
            + extra);
    return config;
  }

  /**
   * Starts transferd with {@code args}, its output going to {@code log}, and waits up to 30 s for
   * it to create {@code socket}; fails, with the log, if it exits or never serves.
   */
  static DaemonProcess start(Path socket, Path log, List<String> args) throws Exception {
    return start(socket, log, args, java.util.Map.of());
  }

  /** Like {@link #start(Path, Path, List)} with {@code env} added to (or replacing) ours. */
  static DaemonProcess start(
      Path socket, Path log, List<String> args, java.util.Map<String, String> env)
      throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    DaemonProcess daemon = new DaemonProcess(process, socket, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(socket)) {
      assertTrue(process.isAlive(), () -> "transferd exited:\n" + daemon.log());
      assertTrue(System.nanoTime() < deadline, () -> "no socket after 30 s:\n" + daemon.log());
      Thread.sleep(20);
    }
    return daemon;
  }

  /** All the daemon has written so far (or why the log cannot be read). */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Waits up to 10 s for a log line matching {@code regex}; returns its match. */
  Matcher awaitLine(String regex) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Matcher m = p.matcher(log());
      if (m.find()) {
        return m;
      }
      assertTrue(System.nanoTime() < deadline, () -> "no line like " + regex + " in:\n" + log());
      Thread.sleep(20);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }
}
