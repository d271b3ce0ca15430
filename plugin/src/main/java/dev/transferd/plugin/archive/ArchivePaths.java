package dev.transferd.plugin.archive;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside an archive, cleaned the way the validation needs them: relative, {@code
 * /}-separated, no {@code .} or empty components, and never {@code ..} climbing above the archive's
 * root.
 */
final class ArchivePaths {
  private ArchivePaths() {}

  /**
   * The clean form of an entry name.
   *
   * @throws InvalidArchiveException for absolute names, {@code ..} components, NUL, or empty names
   */
  static String entryName(String raw) throws InvalidArchiveException {
    if (raw.indexOf('\0') >= 0) {
      throw new InvalidArchiveException(printable(raw), "entry name contains a NUL byte");
    }
    if (raw.startsWith("/")) {
      throw new InvalidArchiveException(raw, "absolute path");
    }
    StringBuilder clean = new StringBuilder();
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidArchiveException(raw, "path traversal (\"..\")");
      }
      if (!clean.isEmpty()) {
        clean.append('/');
      }
      clean.append(part);
    }
    if (clean.isEmpty()) {
      return "";
    }
    return clean.toString();
  }

  /**
   * Resolves {@code target} (a link's target or a path named in a JSON document) relative to the
   * directory {@code base} ("" for the root).
   *
   * @return the clean path, or null when it is absolute or climbs above the root
   */
  static String resolve(String base, String target) {
    if (target.startsWith("/") || target.indexOf('\0') >= 0) {
      return null;
    }
    Deque<String> parts = new ArrayDeque<>();
    if (!base.isEmpty()) {
      for (String p : base.split("/")) {
        parts.addLast(p);
      }
    }
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  /** The directory containing {@code path} ("" at the root). */
  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static String printable(String raw) {
    return raw.replace("\0", "\\0");
  }
}
