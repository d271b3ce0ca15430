package dev.transferd.plugin.unpack;

/**
 * Entry names of a layer tar, cleaned as containerd's and umoci's appliers take them: {@code /} at
 * the start is dropped (an absolute name means the same path inside the tree), {@code .} and empty
 * components vanish. Unlike them, a {@code ..} component is refused rather than clamped: no image
 * builder writes one, so it only ever comes from a hostile layer.
 */
final class EntryNames {
  private EntryNames() {}

  /**
   * The clean, relative, {@code /}-separated form of {@code raw}; "" for the root itself.
   *
   * @param what how to name the entry in an error, e.g. {@code layer sha256:…: entry "a/../b"}
   * @throws InvalidLayerException for a {@code ..} component or a NUL byte
   */
  static String clean(String raw, String what) throws InvalidLayerException {
    if (raw.indexOf('\0') >= 0) {
      throw new InvalidLayerException(what, "name contains a NUL byte");
    }
    StringBuilder clean = new StringBuilder(raw.length());
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidLayerException(what, "path traversal (\"..\") refused");
      }
      if (!clean.isEmpty()) {
        clean.append('/');
      }
      clean.append(part);
    }
    return clean.toString();
  }

  /** The directory holding {@code name} ("" at the root). */
  static String parent(String name) {
    int slash = name.lastIndexOf('/');
    return slash < 0 ? "" : name.substring(0, slash);
  }

  static String baseName(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  static String join(String dir, String base) {
    return dir.isEmpty() ? base : dir + "/" + base;
  }
}
