package dev.transferd.plugin.unpack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The directory a tree is unpacked into, and the only way to name paths inside it. A name is
 * resolved component by component as if the tree were the file system's root (a chroot, as
 * containerd's {@code fs.RootPath} and umoci's securejoin do): a symlink among the leading
 * components is followed inside the tree ({@code a -> /etc} makes {@code a/passwd} the tree's own
 * {@code etc/passwd}), {@code ..} in a link target stops at the tree's root, and the last component
 * is never followed. So whatever symlinks a layer plants, a resolved path is under the root and
 * each of its existing leading components is a real directory there.
 *
 * <p>Not thread-safe; sound only while nothing but the unpack writes in the tree (it is a fresh
 * directory of the unpack's own).
 */
final class TreeRoot {
  /** Linux's limit on symlinks followed in one resolution (ELOOP past it). */
  private static final int MAX_LINKS = 40;

  private final Path root;

  TreeRoot(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path path() {
    return root;
  }

  /**
   * The path of the clean name {@code name} ("" for the root) inside the tree.
   *
   * @param what the entry, for errors
   * @throws InvalidLayerException when a leading component is a file, or symlinks loop
   */
  Path resolve(String name, String what) throws IOException {
    if (name.isEmpty()) {
      return root;
    }
    Deque<String> rest = new ArrayDeque<>(List.of(name.split("/")));
    List<String> done = new ArrayList<>();
    int links = 0;
    while (!rest.isEmpty()) {
      String part = rest.removeFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      if (rest.isEmpty()) {
        done.add(part);
        break;
      }
      Path candidate = join(done).resolve(part);
      BasicFileAttributes attrs = lstat(candidate);
      if (attrs == null || attrs.isDirectory()) {
        done.add(part); // missing: made as a directory later, so the rest stays inside
      } else if (attrs.isSymbolicLink()) {
        if (++links > MAX_LINKS) {
          throw new InvalidLayerException(what, "too many levels of symbolic links");
        }
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) {
          done.clear();
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          rest.addFirst(parts[i]);
        }
      } else {
        throw new InvalidLayerException(
            what, "\"" + String.join("/", done) + "/" + part + "\" is not a directory");
      }
    }
    return join(done);
  }

  /** The path's name inside the tree, for messages ({@code /} for the root). */
  String nameOf(Path p) {
    return "/" + root.relativize(p);
  }

  /** The attributes of {@code p} itself, or null when it does not exist. */
  static BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private Path join(List<String> parts) {
    Path p = root;
    for (String part : parts) {
      p = p.resolve(part);
    }
    return p;
  }
}
