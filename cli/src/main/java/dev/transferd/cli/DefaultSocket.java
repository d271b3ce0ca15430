package dev.transferd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The daemon's default socket for this user, as transferd chooses it: {@code
 * /run/transferd/transferd.sock} for root, else {@code $XDG_RUNTIME_DIR/transferd/transferd.sock}
 * (or {@code /tmp/transferd-<uid>/transferd.sock} without that variable).
 */
final class DefaultSocket {
  private DefaultSocket() {}

  static Path forUser(Map<String, String> env) {
    int uid = uid();
    if (uid == 0) {
      return Path.of("/run/transferd/transferd.sock");
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    return runtime == null || runtime.isEmpty()
        ? Path.of("/tmp", "transferd-" + uid, "transferd.sock")
        : Path.of(runtime, "transferd", "transferd.sock");
  }

  /** This process's uid, from {@code /proc/self}; -1 where that cannot be read. */
  static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }
  }
}
