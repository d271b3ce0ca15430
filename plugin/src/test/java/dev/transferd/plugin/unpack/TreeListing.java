package dev.transferd.plugin.unpack;

import dev.transferd.plugin.archive.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A tree as one line per path, sorted: type, mode (12 bits), uid:gid, size and content digest of
 * files, link target of symlinks, device numbers, xattrs in hex, and (unless left out) the mtime of
 * everything but the root (which no layer need name: umoci then leaves it at the epoch, transferd
 * at the time of the unpack). Two trees are the same when their listings are equal.
 */
public final class TreeListing {
  private TreeListing() {}

  public static List<String> of(Path root, boolean withMtimes) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted().toList()) {
        lines.add(line(root, p, withMtimes));
      }
    }
    return lines;
  }

  /** Sets the xattr {@code name} of {@code path} itself to {@code value} (root for security.*). */
  public static void setXattr(Path path, String name, byte[] value) throws IOException {
    NativeFiles.get().lsetxattr(path.toString(), name, value);
  }

  private static String line(Path root, Path p, boolean withMtimes) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    StringBuilder b = new StringBuilder("/" + root.relativize(p));
    String type =
        switch (mode & 0170000) {
          case 0040000 -> "dir";
          case 0100000 -> "file";
          case 0120000 -> "symlink";
          case 0020000 -> "chr";
          case 0060000 -> "blk";
          case 0010000 -> "fifo";
          default -> "other";
        };
    b.append(' ').append(type);
    if (!type.equals("symlink")) {
      b.append(' ').append(String.format("%04o", mode & 07777));
    }
    b.append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
    switch (type) {
      case "file" -> b.append(" size=").append(a.get("size")).append(' ').append(sha256(p));
      case "symlink" -> b.append(" -> ").append(Files.readSymbolicLink(p));
      case "chr", "blk" -> {
        long rdev = (Long) a.get("rdev");
        b.append(" dev=").append((rdev >> 8) & 0xfff).append(',').append(rdev & 0xff);
      }
      default -> {}
    }
    NativeFiles.get()
        .lgetxattrs(p.toString())
        .forEach((k, v) -> b.append(' ').append(k).append('=').append(HexFormat.of().formatHex(v)));
    if (withMtimes && !p.equals(root)) {
      b.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toInstant());
    }
    return b.toString();
  }

  private static String sha256(Path p) throws IOException {
    MessageDigest d = Digests.sha256();
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return Digests.of(d);
  }
}
