package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transferd} that cannot start: exit 1 with one line saying what and why (never a stack
 * trace), and nothing left behind: no socket, no root directory it created.
 */
class StartupFailureProcessTest {
  @TempDir Path dir;

  private record Exit(int code, String output) {}

  private static Exit transferd(String... args) throws Exception {
    // with the launcher's JVM options, so that the JVM's own warnings stay out of the output
    List<String> command = new java.util.ArrayList<>(DaemonProcess.command(List.of(args)));
    command.addAll(
        1, List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Exit(p.exitValue(), output);
  }

  /** The one line of a failed start; fails if there is more, or a stack trace. */
  private static String oneLine(Exit exit) {
    assertEquals(1, exit.code(), exit.output());
    assertFalse(exit.output().contains("\tat "), exit.output());
    List<String> lines = exit.output().lines().toList();
    assertEquals(1, lines.size(), exit.output());
    return lines.getFirst();
  }

  private void assertNothingLeft(Path... paths) {
    for (Path p : paths) {
      assertFalse(Files.exists(p), p + " was left behind");
    }
  }

  @Test
  void aRootInUseByAnotherDaemonIsOneLineAndLeavesNoSocket() throws Exception {
    Path root = dir.resolve("root");
    try (DaemonProcess first =
        DaemonProcess.start(
            dir.resolve("a.sock"),
            dir.resolve("a.log"),
            List.of("--root", root.toString(), "--address", dir.resolve("a.sock").toString()))) {
      Exit second =
          transferd("--root", root.toString(), "--address", dir.resolve("b.sock").toString());
      assertTrue(
          oneLine(second)
              .endsWith(
                  " ERROR d.t.p.daemon.Transferd - cannot start: root "
                      + root
                      + " is in use by another transferd (its store is locked; stop that daemon or"
                      + " choose another --root)"),
          second.output());
      assertNothingLeft(dir.resolve("b.sock"));
      assertTrue(first.process.isAlive(), "the first daemon serves on");
    }
  }

  @Test
  void aSocketAnotherDaemonServesOnIsOneLineAndLeavesNoRoot() throws Exception {
    Path socket = dir.resolve("a.sock");
    try (DaemonProcess first =
        DaemonProcess.start(
            socket,
            dir.resolve("a.log"),
            List.of("--root", dir.resolve("root").toString(), "--address", socket.toString()))) {
      Path other = dir.resolve("new/root");
      Exit second = transferd("--root", other.toString(), "--address", socket.toString());
      assertTrue(
          oneLine(second)
              .endsWith("cannot start: socket " + socket + ": a server is already listening on it"),
          second.output());
      assertNothingLeft(dir.resolve("new"));
      assertTrue(Files.exists(socket), "the first daemon's socket stays");
    }
  }

  @Test
  void aBadMetricsAddressIsOneLineBeforeAnythingIsCreated() throws Exception {
    Exit e =
        transferd(
            "--root",
            dir.resolve("root").toString(),
            "--address",
            dir.resolve("t.sock").toString(),
            "--metrics-address",
            "notanaddress");
    assertEquals(
        "transferd: --metrics-address must be HOST:PORT such as 127.0.0.1:9310, not"
            + " \"notanaddress\" (it has no :PORT)",
        oneLine(e));
    assertNothingLeft(dir.resolve("root"), dir.resolve("t.sock"));
  }

  @Test
  void aRootThatCannotBeCreatedOrIsAFileIsOneLineWithTheReason() throws Exception {
    Exit proc =
        transferd("--root", "/proc/transferd-test", "--address", dir.resolve("t.sock").toString());
    assertTrue(
        oneLine(proc)
            .endsWith(
                "cannot start: root /proc/transferd-test: cannot create: no such file or"
                    + " directory"),
        proc.output());

    Path file = Files.writeString(dir.resolve("afile"), "x");
    Exit notDir =
        transferd("--root", file.toString(), "--address", dir.resolve("t.sock").toString());
    assertTrue(
        oneLine(notDir).endsWith("cannot start: root " + file + ": exists and is not a directory"),
        notDir.output());
    assertNothingLeft(dir.resolve("t.sock"));
  }
}
