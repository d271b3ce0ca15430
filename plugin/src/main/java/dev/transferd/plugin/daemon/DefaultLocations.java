package dev.transferd.plugin.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the daemon keeps its store and socket when nothing says otherwise: {@code
 * /var/lib/transferd} and {@code /run/transferd/transferd.sock} as root, as containerd does; for
 * other users {@code $XDG_DATA_HOME/transferd} (else {@code ~/.local/share/transferd}) and {@code
 * $XDG_RUNTIME_DIR/transferd/transferd.sock} (else under {@code /tmp/transferd-<uid>}).
 */
public record DefaultLocations(Path root, Path address) {
  static final Path SYSTEM_ROOT = Path.of("/var/lib/transferd");
  static final Path SYSTEM_ADDRESS = Path.of("/run/transferd/transferd.sock");

  /** The locations for this process's user and environment. */
  public static DefaultLocations forCurrentUser() {
    return of(currentUid(), System.getenv(), Path.of(System.getProperty("user.home")));
  }

  static DefaultLocations of(int uid, Map<String, String> env, Path home) {
    if (uid == 0) {
      return new DefaultLocations(SYSTEM_ROOT, SYSTEM_ADDRESS);
    }
    String data = env.get("XDG_DATA_HOME");
    Path root =
        (data == null || data.isEmpty() ? home.resolve(".local/share") : Path.of(data))
            .resolve("transferd");
    String runtime = env.get("XDG_RUNTIME_DIR");
    Path runDir =
        runtime == null || runtime.isEmpty()
            ? Path.of("/tmp", "transferd-" + uid)
            : Path.of(runtime, "transferd");
    return new DefaultLocations(root, runDir.resolve("transferd.sock"));
  }

  /** This process's effective uid, from {@code /proc/self}; -1 where that cannot be read. */
  static int currentUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }
  }
}
