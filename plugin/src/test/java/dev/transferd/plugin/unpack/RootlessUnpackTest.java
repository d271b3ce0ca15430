package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.ttrpc.testing.RealPeers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unpack by a process without CAP_CHOWN, CAP_MKNOD and CAP_SETFCAP (root with them dropped from
 * its bounding set by {@code setpriv}, as in a locked-down container): it finishes, leaves out
 * owners, device nodes and file capabilities, and reports each kind once.
 */
class RootlessUnpackTest {
  @TempDir Path tmp;

  @Test
  void withoutTheCapabilitiesTheUnpackSkipsRecordsAndFinishes() throws Exception {
    RealPeers.requireRoot("setpriv drops capabilities of a root process");
    RealPeers.requireExecutable("/usr/bin/setpriv", "util-linux");
    Path rootfs = tmp.resolve("rootfs");
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/setpriv",
                "--bounding-set",
                "-chown,-mknod,-setfcap",
                "--inh-caps",
                "-all",
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                RootlessUnpackMain.class.getName(),
                rootfs.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(120, TimeUnit.SECONDS);

    assertEquals(0, p.exitValue(), out);
    assertEquals(
        List.of(
            "SKIPPED ownership of 2 entries (e.g. /home (1000:1000), /home/notes (1000:1000))",
            "SKIPPED device node of 1 entry (e.g. /dev/null)",
            "SKIPPED xattr security.capability of 1 entry (e.g. /bin/ping)"),
        out.lines().filter(l -> l.startsWith("SKIPPED ")).toList(),
        out);
    assertEquals(
        List.of(
            "/ dir 0755 0:0",
            "/bin dir 0555 0:0",
            "/bin/ping file 0755 0:0 size=7 "
                + dev.transferd.plugin.archive.Digests.of(ImageUnpackerTest.utf8("ping v2")),
            "/dev dir 0755 0:0",
            "/dev/initctl fifo 0600 0:0",
            "/home dir 0755 0:0",
            "/home/notes file 0600 0:0 size=4 "
                + dev.transferd.plugin.archive.Digests.of(ImageUnpackerTest.utf8("mine"))),
        TreeListing.of(rootfs, false));
  }
}
