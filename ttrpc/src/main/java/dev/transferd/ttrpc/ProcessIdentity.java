package dev.transferd.ttrpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's effective uid and gid, read once from {@code /proc/self/status}. */
final class ProcessIdentity {
  private static final int[] IDS = read();

  private ProcessIdentity() {}

  static int uid() {
    return IDS[0];
  }

  static int gid() {
    return IDS[1];
  }

  private static int[] read() {
    int uid = -1;
    int gid = -1;
    try {
      // Lines "Uid:\treal\teffective\tsaved\tfs"; the effective id is what SO_PEERCRED reports.
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          uid = Integer.parseInt(line.split("\\s+")[2]);
        } else if (line.startsWith("Gid:")) {
          gid = Integer.parseInt(line.split("\\s+")[2]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall back to the file owner of a file we create.
      try {
        Path probe = Files.createTempFile("ttrpc-id", "");
        try {
          uid = (Integer) Files.getAttribute(probe, "unix:uid");
          gid = (Integer) Files.getAttribute(probe, "unix:gid");
        } finally {
          Files.deleteIfExists(probe);
        }
      } catch (IOException | RuntimeException ignored) {
        // Unknown identity: sameUser() then refuses everyone but root.
      }
    }
    return new int[] {uid, gid};
  }
}
