package dev.transferd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.testing.RealPeers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed commands as a user meets them: {@code src/test/sh/dist-commands.sh} drives {@code
 * dist/bin/transferd} and {@code dist/bin/transferctl} as processes (exports to FIFOs, links,
 * devices and closed pipes, a terminal, Ctrl-C, unreachable daemons and registries, --help, import
 * naming, start-up failures, --check-config) and checks exit codes and messages as literals. {@code
 * make test} builds dist/ and names it in {@code TRANSFERD_DIST}.
 */
class DistCommandsTest {
  @TempDir Path work;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theDistCommandsExitAndSayWhatTheReadmeDocuments() throws Exception {
    String dist = System.getenv("TRANSFERD_DIST");
    RealPeers.require(
        dist != null && Files.isExecutable(Path.of(dist, "bin", "transferctl")),
        "dist/ from `make dist`, named by TRANSFERD_DIST (`make test` does both)");
    Process script =
        new ProcessBuilder("bash", "src/test/sh/dist-commands.sh", dist, work.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(script.waitFor(5, TimeUnit.MINUTES), output);
    assertEquals(0, script.exitValue(), output);
    assertTrue(output.endsWith("all checks passed\n"), output);
  }
}
