package dev.transferd.plugin.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Where the daemon keeps its store and socket when nothing says otherwise: {@code
 * /var/lib/transferd} and {@code /run/transferd/transferd.sock} as root, as containerd does; for
 * other users {@code $XDG_DATA_HOME/transferd} (else {@code ~/.local/share/transferd}) and {@code
 * $XDG_RUNTIME_DIR/transferd/transferd.sock} (else under {@code /tmp/transferd-<uid>}, which must
 * then be the user's own directory, mode 0700: see {@link #requirePrivate}).
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
        runtime == null || runtime.isEmpty() ? fallbackRunDir(uid) : Path.of(runtime, "transferd");
    return new DefaultLocations(root, runDir.resolve("transferd.sock"));
  }

  /**
   * The socket's directory for a user without {@code XDG_RUNTIME_DIR}: {@code /tmp/transferd-UID}.
   */
  static Path fallbackRunDir(int uid) {
    return Path.of("/tmp", "transferd-" + uid);
  }

  /**
   * Makes sure {@code dir}, a directory in a place anyone may write to (such as {@link
   * #fallbackRunDir}), is ours alone: creates it with mode 0700 if it is missing; refuses one that
   * is not a directory (a symbolic link included), belongs to another user, or that others may
   * write to, since whoever controls it could put their own socket where clients look for ours.
   *
   * @throws IOException naming {@code dir} and what is wrong with it
   */
  static void requirePrivate(Path dir, int uid) throws IOException {
    try {
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      return;
    } catch (FileAlreadyExistsException e) {
      // someone made it: ourselves on an earlier run, or not; check below
    }
    PosixFileAttributes a =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    String problem = null;
    if (!a.isDirectory()) {
      problem = "is not a directory";
    } else {
      int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != uid) {
        problem = "belongs to uid " + owner + ", not to us (uid " + uid + ")";
      } else if (a.permissions().contains(PosixFilePermission.GROUP_WRITE)
          || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
        problem =
            "may be written by others (" + PosixFilePermissions.toString(a.permissions()) + ")";
      }
    }
    if (problem != null) {
      throw new IOException(
          "refusing the socket directory "
              + dir
              + ": it "
              + problem
              + " (remove it, set XDG_RUNTIME_DIR, or choose --address)");
    }
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
