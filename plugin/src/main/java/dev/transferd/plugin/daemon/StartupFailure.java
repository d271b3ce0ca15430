package dev.transferd.plugin.daemon;

import dev.transferd.plugin.store.StoreException;
import dev.transferd.ttrpc.StatusCode;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Why the daemon could not start, as one line naming what and why: Java's file exceptions carry
 * only a path for the commonest errors, and a lock held by another daemon reads as a store detail.
 */
final class StartupFailure {
  private StartupFailure() {}

  static String describe(Throwable e, DaemonConfig config) {
    if (e instanceof StoreException s && s.code() == StatusCode.UNAVAILABLE) {
      return "root "
          + config.root()
          + " is in use by another transferd (its store is locked; stop that daemon or choose"
          + " another --root)";
    }
    if (e instanceof FileSystemException f) {
      String file = f.getFile();
      String reason =
          switch (f) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no such file or directory";
            case FileAlreadyExistsException x ->
                x.getReason() != null ? x.getReason() : "exists and is not a directory";
            case NotDirectoryException n -> "not a directory";
            default -> f.getReason() == null ? f.getClass().getSimpleName() : f.getReason();
          };
      // a path that is still missing is one the start could not create
      boolean missing = file != null && !Files.exists(Path.of(file), LinkOption.NOFOLLOW_LINKS);
      return where(file, config) + (missing ? "cannot create: " : "") + reason;
    }
    String message = e.getMessage();
    return message == null || message.isEmpty() ? e.toString() : message;
  }

  /** {@code root R: } or {@code socket S: }, with the file when it is another path below. */
  private static String where(String file, DaemonConfig config) {
    if (file == null) {
      return "";
    }
    String root = config.root().toAbsolutePath().toString();
    String socket = config.address().toAbsolutePath().toString();
    if (file.equals(root) || file.equals(config.root().toString())) {
      return "root " + config.root() + ": ";
    }
    if (file.startsWith(root + "/")) {
      return "root " + config.root() + ": " + file + ": ";
    }
    if (socket.startsWith(file)) {
      return "socket " + config.address() + ": " + (file.equals(socket) ? "" : file + ": ");
    }
    if (root.startsWith(file + "/")) {
      return "root " + config.root() + ": " + file + ": ";
    }
    return file + ": ";
  }
}
