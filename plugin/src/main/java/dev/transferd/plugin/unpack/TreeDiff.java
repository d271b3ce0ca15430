package dev.transferd.plugin.unpack;

import dev.transferd.plugin.archive.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.io.output.CloseShieldOutputStream;

/**
 * The changes from one tree to another as an OCI layer (the image spec's "changesets"): paths only
 * in the new tree are additions, paths whose type, mode, owner, mtime, xattrs, link target, device
 * or content differ are modifications (written whole), paths only in the old tree become {@code
 * .wh.NAME} whiteouts (a removed directory is one whiteout). Entries come parents first, names
 * sorted; a file whose inode was already written in this layer becomes a hardlink to it. A file
 * whose size and mtime are unchanged counts as unchanged when the mtime has a sub-second part, and
 * is compared byte for byte otherwise (containerd's rule: whole-second mtimes are too coarse to
 * trust). Neither tree is changed; symlinks are never followed.
 */
final class TreeDiff {
  private static final String XATTR = "SCHILY.xattr.";

  /** The layer written: its uncompressed digest and how many entries it holds. */
  record Layer(String diffId, int entries) {}

  /** One path's metadata, read without following a symlink. */
  private record Meta(
      int mode, int uid, int gid, long size, FileTime mtime, long rdev, Object inode, int nlink) {
    int type() {
      return mode & 0170000;
    }

    boolean isDir() {
      return type() == 0040000;
    }

    boolean isFile() {
      return type() == 0100000;
    }

    boolean isSymlink() {
      return type() == 0120000;
    }
  }

  private final Path oldRoot;
  private final Path newRoot;
  private final TarArchiveOutputStream tar;
  private final NativeFiles files = NativeFiles.get();
  private final Map<Object, String> written = new HashMap<>();

  /** The path whose xattrs the next {@link #put} writes (null for whiteouts). */
  private Path xattrSource;

  private int entries;

  private TreeDiff(Path oldRoot, Path newRoot, TarArchiveOutputStream tar) {
    this.oldRoot = oldRoot;
    this.newRoot = newRoot;
    this.tar = tar;
  }

  /**
   * Writes the changes from {@code oldRoot} to {@code newRoot} as a gzip-compressed layer tar into
   * {@code out} (not closed).
   */
  static Layer write(Path oldRoot, Path newRoot, OutputStream out) throws IOException {
    MessageDigest diffId = Digests.sha256();
    GZIPOutputStream gzip = new GZIPOutputStream(CloseShieldOutputStream.wrap(out), 64 * 1024);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(gzip, diffId));
    // The PAX records are ours (see put): commons-compress must add none of its own, since a
    // second PAX header in a row replaces the first in Go's reader.
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
    tar.setAddPaxHeadersForNonAsciiNames(false);
    TreeDiff diff = new TreeDiff(oldRoot, newRoot, tar);
    diff.compare("");
    tar.close(); // finishes the tar, the gzip trailer, and flushes into out
    return new Layer(Digests.of(diffId), diff.entries);
  }

  private void compare(String dir) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    list(oldRoot.resolve(dir), names);
    list(newRoot.resolve(dir), names);
    for (String name : names) {
      String rel = EntryNames.join(dir, name);
      Meta before = meta(oldRoot.resolve(rel));
      Meta after = meta(newRoot.resolve(rel));
      if (after == null) {
        whiteout(dir, name);
      } else if (before == null) {
        add(rel, after);
      } else if (after.isDir() && before.isDir()) {
        if (!sameMeta(rel, before, after)) {
          entry(rel, after);
        }
        compare(rel);
      } else if (after.isDir()) {
        add(rel, after); // replaces a non-directory: every child is new
      } else if (!same(rel, before, after)) {
        entry(rel, after);
      }
    }
  }

  /** Adds {@code rel} and, for a directory, everything under it. */
  private void add(String rel, Meta meta) throws IOException {
    entry(rel, meta);
    if (meta.isDir()) {
      TreeSet<String> names = new TreeSet<>();
      list(newRoot.resolve(rel), names);
      for (String name : names) {
        String child = EntryNames.join(rel, name);
        add(child, meta(newRoot.resolve(child)));
      }
    }
  }

  private boolean same(String rel, Meta before, Meta after) throws IOException {
    if (!sameMeta(rel, before, after) || before.size() != after.size()) {
      return false;
    }
    if (after.isSymlink()) {
      return Files.readSymbolicLink(oldRoot.resolve(rel))
          .equals(Files.readSymbolicLink(newRoot.resolve(rel)));
    }
    if (!after.isFile() || after.mtime().toInstant().getNano() != 0) {
      return true;
    }
    return sameContent(oldRoot.resolve(rel), newRoot.resolve(rel));
  }

  private boolean sameMeta(String rel, Meta before, Meta after) throws IOException {
    return before.mode() == after.mode()
        && before.uid() == after.uid()
        && before.gid() == after.gid()
        && before.rdev() == after.rdev()
        && before.mtime().equals(after.mtime())
        && sameXattrs(
            files.lgetxattrs(oldRoot.resolve(rel).toString()),
            files.lgetxattrs(newRoot.resolve(rel).toString()));
  }

  private static boolean sameXattrs(SortedMap<String, byte[]> a, SortedMap<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameContent(Path a, Path b) throws IOException {
    try (InputStream x = Files.newInputStream(a, LinkOption.NOFOLLOW_LINKS);
        InputStream y = Files.newInputStream(b, LinkOption.NOFOLLOW_LINKS)) {
      byte[] bx = new byte[64 * 1024];
      byte[] by = new byte[64 * 1024];
      while (true) {
        int nx = x.readNBytes(bx, 0, bx.length);
        int ny = y.readNBytes(by, 0, by.length);
        if (nx != ny || !Arrays.equals(bx, 0, nx, by, 0, ny)) {
          return false;
        }
        if (nx < bx.length) {
          return true;
        }
      }
    }
  }

  private void whiteout(String dir, String name) throws IOException {
    TarArchiveEntry e =
        new TarArchiveEntry(EntryNames.join(dir, ".wh." + name), TarConstants.LF_NORMAL, false);
    e.setSize(0);
    e.setMode(0);
    e.setModTime(0);
    xattrSource = null;
    put(e, null);
  }

  /** Writes {@code rel} as it is in the new tree. */
  private void entry(String rel, Meta meta) throws IOException {
    Path path = newRoot.resolve(rel);
    TarArchiveEntry e;
    if (meta.isFile() && meta.nlink() > 1 && written.containsKey(meta.inode())) {
      e = new TarArchiveEntry(rel, TarConstants.LF_LINK, false);
      e.setLinkName(written.get(meta.inode()));
      xattrSource = path;
      put(header(e, meta, path), null);
      return;
    }
    switch (meta.type()) {
      case 0040000 -> e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR, false);
      case 0100000 -> {
        e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL, false);
        e.setSize(meta.size());
        if (meta.nlink() > 1) {
          written.put(meta.inode(), rel);
        }
      }
      case 0120000 -> {
        e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK, false);
        e.setLinkName(Files.readSymbolicLink(path).toString());
      }
      case 0020000, 0060000 -> {
        e =
            new TarArchiveEntry(
                rel, meta.type() == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK, false);
        e.setDevMajor((int) (((meta.rdev() >> 8) & 0xfff) | ((meta.rdev() >> 32) & ~0xfffL)));
        e.setDevMinor((int) ((meta.rdev() & 0xff) | ((meta.rdev() >> 12) & ~0xffL)));
      }
      case 0010000 -> e = new TarArchiveEntry(rel, TarConstants.LF_FIFO, false);
      default -> throw new IOException(newRoot.resolve(rel) + ": a socket or unknown file type");
    }
    xattrSource = path;
    put(header(e, meta, path), meta.isFile() ? path : null);
  }

  private TarArchiveEntry header(TarArchiveEntry e, Meta meta, Path path) throws IOException {
    e.setMode(meta.mode() & 07777);
    e.setUserId(meta.uid());
    e.setGroupId(meta.gid());
    e.setLastModifiedTime(meta.mtime());
    return e;
  }

  /**
   * Writes {@code e}, after a PAX header of our own when it needs one: commons-compress writes PAX
   * values as UTF-8 text and times to 100 ns, so binary xattr values and nanosecond mtimes would
   * not survive its own. The records are those Go's writer uses: {@code path} and {@code linkpath}
   * for names that are long or not ASCII, {@code mtime} with nine decimals, {@code uid}/{@code gid}
   * beyond the octal field, {@code SCHILY.xattr.*} with raw values.
   */
  private void put(TarArchiveEntry e, Path content) throws IOException {
    Map<String, byte[]> records = new java.util.LinkedHashMap<>();
    String name = e.getName();
    if (!fitsUstar(name)) {
      records.put("path", utf8(name));
      e.setName(ascii(name));
    }
    if (!e.getLinkName().isEmpty() && !fitsUstar(e.getLinkName())) {
      records.put("linkpath", utf8(e.getLinkName()));
      e.setLinkName(ascii(e.getLinkName()));
    }
    java.time.Instant mtime = e.getLastModifiedTime().toInstant();
    if (mtime.getNano() != 0) {
      records.put(
          "mtime", utf8(mtime.getEpochSecond() + "." + String.format("%09d", mtime.getNano())));
      e.setLastModifiedTime(FileTime.from(java.time.Instant.ofEpochSecond(mtime.getEpochSecond())));
    }
    if (e.getLongUserId() > 07777777) {
      records.put("uid", utf8(Long.toString(e.getLongUserId())));
      e.setUserId(0);
    }
    if (e.getLongGroupId() > 07777777) {
      records.put("gid", utf8(Long.toString(e.getLongGroupId())));
      e.setGroupId(0);
    }
    if (xattrSource != null) {
      for (Map.Entry<String, byte[]> x : files.lgetxattrs(xattrSource.toString()).entrySet()) {
        records.put(XATTR + x.getKey(), x.getValue());
      }
    }
    if (!records.isEmpty()) {
      byte[] pax = PaxRecords.encode(records);
      TarArchiveEntry x =
          new TarArchiveEntry(
              ascii("PaxHeaders/" + EntryNames.baseName(name)),
              TarConstants.LF_PAX_EXTENDED_HEADER_LC,
              false);
      x.setSize(pax.length);
      x.setModTime(e.getModTime());
      tar.putArchiveEntry(x);
      tar.write(pax);
      tar.closeArchiveEntry();
    }
    tar.putArchiveEntry(e);
    if (content != null) {
      try (InputStream in = Files.newInputStream(content, LinkOption.NOFOLLOW_LINKS)) {
        long copied = in.transferTo(tar);
        if (copied != e.getSize()) {
          throw new IOException(content + " changed size while being repacked");
        }
      }
    }
    tar.closeArchiveEntry();
    entries++;
  }

  /** Whether commons-compress can write {@code s} in a ustar field as it is (ASCII, 100 bytes). */
  private static boolean fitsUstar(String s) {
    return s.length() <= 100 && s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  /** A stand-in for a header field that a PAX record overrides: ASCII, at most 100 bytes. */
  private static String ascii(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 100; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    return b.toString();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void list(Path dir, TreeSet<String> names) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path c : children) {
        names.add(c.getFileName().toString());
      }
    }
  }

  private static Meta meta(Path p) throws IOException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
    return new Meta(
        (Integer) a.get("mode"),
        (Integer) a.get("uid"),
        (Integer) a.get("gid"),
        (Long) a.get("size"),
        (FileTime) a.get("lastModifiedTime"),
        (Long) a.get("rdev"),
        a.get("fileKey"),
        (Integer) a.get("nlink"));
  }
}
