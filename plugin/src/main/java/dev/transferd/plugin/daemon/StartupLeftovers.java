package dev.transferd.plugin.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a start of the daemon may create (the root directory and its missing parents, the socket's
 * missing directories, the socket), noted before it starts, so that a start that fails leaves
 * nothing behind: only paths that did not exist before are removed.
 */
final class StartupLeftovers {
  private final List<Path> newDirectories;
  private final Path socket; // null when it existed before (another daemon's, say)

  private StartupLeftovers(List<Path> newDirectories, Path socket) {
    this.newDirectories = newDirectories;
    this.socket = socket;
  }

  static StartupLeftovers before(DaemonConfig config) {
    List<Path> created = new ArrayList<>();
    topmostMissing(config.root().toAbsolutePath()).ifPresent(created::add);
    Path socket = config.address().toAbsolutePath();
    if (socket.getParent() != null) {
      topmostMissing(socket.getParent()).ifPresent(created::add);
    }
    boolean socketExisted = Files.exists(socket, LinkOption.NOFOLLOW_LINKS);
    return new StartupLeftovers(created, socketExisted ? null : socket);
  }

  /** The highest ancestor of {@code dir} (or itself) that does not exist yet. */
  private static java.util.Optional<Path> topmostMissing(Path dir) {
    Path missing = null;
    for (Path p = dir;
        p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        p = p.getParent()) {
      missing = p;
    }
    return java.util.Optional.ofNullable(missing);
  }

  /** Removes what the failed start created; best effort, on the way out. */
  void remove() {
    if (socket != null) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        // nothing more to do
      }
    }
    for (Path dir : newDirectories) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (Stream<Path> tree = Files.walk(dir)) {
        tree.sorted(Comparator.reverseOrder()).forEach(StartupLeftovers::deleteQuietly);
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
