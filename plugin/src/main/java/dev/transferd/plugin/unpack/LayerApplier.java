package dev.transferd.plugin.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies layer tars, in order, to one {@link TreeRoot} (the OCI image spec's "applying
 * changesets", https://github.com/opencontainers/image-spec/blob/main/layer.md): directories,
 * regular files, symlinks, hardlinks (within and across layers), FIFOs and device nodes, {@code
 * .wh.NAME} whiteouts and {@code .wh..wh..opq} opaque directories (which hide what lower layers put
 * in the directory, never what this layer puts there, wherever the marker sits in the tar).
 * Metadata: mode with setuid/setgid/sticky, ownership, mtime (symlinks included), xattrs from PAX
 * {@code SCHILY.xattr.*} records. A directory's mode and times are set by {@link #finish}, after
 * every layer, since writing into a directory changes its mtime and a read-only one could not be
 * written into.
 *
 * <p>Without privilege (effective uid not 0) ownership, device nodes and non-{@code user.} xattrs
 * are skipped and recorded in {@link #skipped()}, as rootless umoci does; nothing else changes.
 * Every path goes through {@link TreeRoot#resolve}, so nothing is ever written outside the tree.
 * Not thread-safe: one unpack on one thread.
 */
final class LayerApplier {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final String XATTR = "SCHILY.xattr.";

  /** A directory's metadata, applied at the end. */
  private record DirMeta(int mode, FileTime mtime) {}

  private final TreeRoot root;
  private final NativeFiles files;
  private final boolean privileged;
  private final Skipped skipped = new Skipped();
  private final Map<Path, DirMeta> dirs = new LinkedHashMap<>();
  private final byte[] buffer = new byte[64 * 1024];
  private Map<String, byte[]> rawXattrs = Map.of();

  LayerApplier(TreeRoot root, NativeFiles files, boolean privileged) {
    this.root = root;
    this.files = files;
    this.privileged = privileged;
  }

  Skipped skipped() {
    return skipped;
  }

  /**
   * Applies one uncompressed layer tar, reading {@code tar} up to the end of the archive (the
   * caller drains and hashes what follows).
   *
   * @param layer how to name the layer in errors, e.g. {@code layer sha256:…}
   * @throws InvalidLayerException naming the entry, for a hostile or broken one
   */
  void apply(String layer, InputStream tar) throws IOException {
    Set<Path> added = new HashSet<>();
    Set<String> opaque = new LinkedHashSet<>();
    RawPaxXattrs raw = new RawPaxXattrs(tar);
    TarArchiveInputStream in = new TarArchiveInputStream(raw);
    TarArchiveEntry entry;
    while ((entry = in.getNextEntry()) != null) {
      rawXattrs = raw.next();
      String what = layer + ": entry \"" + entry.getName() + "\"";
      String name = EntryNames.clean(entry.getName(), what);
      String base = EntryNames.baseName(name);
      if (name.isEmpty() && !entry.isDirectory()) {
        throw new InvalidLayerException(what, "the root of the tree can only be a directory");
      }
      if (base.equals(OPAQUE)) {
        opaque.add(EntryNames.parent(name));
      } else if (base.startsWith(WHITEOUT)) {
        whiteout(name, base.substring(WHITEOUT.length()), what);
      } else {
        Path path = root.resolve(name, what);
        added.add(path);
        write(entry, in, path, what);
      }
    }
    for (String dir : opaque) {
      Path path = root.resolve(dir, layer + ": opaque whiteout of \"" + dir + "\"");
      if (isDirectory(path)) {
        hideLower(path, added);
      }
    }
  }

  /** Sets the directories' modes and times in the order they were made; once, after all layers. */
  void finish() throws IOException {
    for (Map.Entry<Path, DirMeta> e : dirs.entrySet()) {
      Path dir = e.getKey();
      if (isDirectory(dir)) {
        files.chmod(dir.toString(), e.getValue().mode());
        setTime(dir, e.getValue().mtime());
      }
    }
  }

  private void whiteout(String name, String hidden, String what) throws IOException {
    if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
      throw new InvalidLayerException(what, "whiteout of \"" + hidden + "\" refused");
    }
    if (hidden.startsWith(WHITEOUT)) {
      return; // other AUFS metadata (.wh..wh.plnk etc.): not part of the tree
    }
    Path path = root.resolve(EntryNames.join(EntryNames.parent(name), hidden), what);
    if (!path.equals(root.path())) {
      deleteTree(path);
    }
  }

  /** Removes everything under {@code dir} that this layer did not add. */
  private void hideLower(Path dir, Set<Path> added) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        if (!added.contains(child)) {
          deleteTree(child);
        } else if (isDirectory(child)) {
          hideLower(child, added);
        }
      }
    }
  }

  private void write(TarArchiveEntry entry, InputStream in, Path path, String what)
      throws IOException {
    BasicFileAttributes existing = TreeRoot.lstat(path);
    if (entry.isDirectory()) {
      if (existing != null && !existing.isDirectory()) {
        deleteTree(path);
        existing = null;
      }
      if (existing == null) {
        makeParents(path);
        Files.createDirectory(path);
      }
      dirs.remove(path);
      dirs.put(path, new DirMeta(entry.getMode(), entry.getLastModifiedTime()));
      owner(entry, path);
      xattrs(entry, path);
      return;
    }
    if (entry.isLink()) {
      hardlink(entry, path, what);
      return;
    }
    if (existing != null) {
      deleteTree(path);
    }
    makeParents(path);
    String p = path.toString();
    if (entry.isSymbolicLink()) {
      String target = entry.getLinkName();
      if (target.isEmpty() || target.indexOf('\0') >= 0) {
        throw new InvalidLayerException(what, "symlink with an empty or NUL target");
      }
      Files.createSymbolicLink(path, Path.of(target));
    } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      if (!privileged) {
        skipped.add("device node", root.nameOf(path));
        return;
      }
      int type = entry.isCharacterDevice() ? NativeFiles.S_IFCHR : NativeFiles.S_IFBLK;
      files.mknod(p, type, entry.getMode(), entry.getDevMajor(), entry.getDevMinor());
    } else if (entry.isFIFO()) {
      files.mkfifo(p, 0600);
    } else if (entry.isFile()) {
      try (OutputStream out =
          Files.newOutputStream(
              path,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          out.write(buffer, 0, n);
        }
      }
    } else {
      throw new InvalidLayerException(
          what, "entry type '" + (char) entry.getLinkFlag() + "' is not supported");
    }
    owner(entry, path);
    if (!entry.isSymbolicLink()) {
      files.chmod(p, entry.getMode()); // after chown, which clears setuid and setgid
    }
    xattrs(entry, path);
    setTime(path, entry.getLastModifiedTime());
  }

  /**
   * A hardlink to a path already in the tree (its own layer or a lower one). The target resolves
   * like any name, so it can only be inside the tree; a target that is missing or a directory is
   * refused, as link(2) would.
   */
  private void hardlink(TarArchiveEntry entry, Path path, String what) throws IOException {
    String link = EntryNames.clean(entry.getLinkName(), what + " (hardlink target)");
    Path target = root.resolve(link, what);
    BasicFileAttributes attrs = TreeRoot.lstat(target);
    if (attrs == null) {
      throw new InvalidLayerException(
          what, "hardlink target \"" + entry.getLinkName() + "\" is not in the tree");
    }
    if (attrs.isDirectory()) {
      throw new InvalidLayerException(
          what, "hardlink target \"" + entry.getLinkName() + "\" is a directory");
    }
    if (target.equals(path)) {
      return;
    }
    if (TreeRoot.lstat(path) != null) {
      deleteTree(path);
    }
    makeParents(path);
    Files.createLink(path, target);
  }

  private void owner(TarArchiveEntry entry, Path path) throws IOException {
    long uid = entry.getLongUserId();
    long gid = entry.getLongGroupId();
    if (privileged) {
      files.lchown(path.toString(), uid, gid);
    } else if (uid != 0 || gid != 0) {
      skipped.add("ownership", root.nameOf(path) + " (" + uid + ":" + gid + ")");
    }
  }

  private void xattrs(TarArchiveEntry entry, Path path) throws IOException {
    for (Map.Entry<String, String> h : entry.getExtraPaxHeaders().entrySet()) {
      if (!h.getKey().startsWith(XATTR)) {
        continue;
      }
      String name = h.getKey().substring(XATTR.length());
      if (!privileged && !name.startsWith("user.")) {
        skipped.add("xattr " + name, root.nameOf(path));
        continue;
      }
      byte[] value = rawXattrs.get(name);
      if (value == null || !new String(value, StandardCharsets.UTF_8).equals(h.getValue())) {
        value = h.getValue().getBytes(StandardCharsets.UTF_8);
      }
      files.lsetxattr(path.toString(), name, value);
    }
  }

  private void setTime(Path path, FileTime mtime) throws IOException {
    Instant t = mtime.toInstant();
    files.lutimens(path.toString(), t.getEpochSecond(), t.getNano());
  }

  /** Missing parents of an entry are made 0755, as containerd and umoci make them. */
  private void makeParents(Path path) throws IOException {
    Path parent = path.getParent();
    if (TreeRoot.lstat(parent) == null) {
      Files.createDirectories(parent);
    }
  }

  private static boolean isDirectory(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Deletes {@code path} and, for a directory, everything under it (and forgets their pending
   * metadata); never follows a symlink.
   */
  private void deleteTree(Path path) throws IOException {
    BasicFileAttributes attrs = TreeRoot.lstat(path);
    if (attrs == null) {
      return;
    }
    if (attrs.isDirectory()) {
      dirs.keySet().removeIf(d -> d.startsWith(path));
    }
    deleteTree(path, attrs);
  }

  /** Deletes {@code path} and, for a directory, everything under it; never follows a symlink. */
  static void deleteTree(Path path, BasicFileAttributes attrs) throws IOException {
    if (!attrs.isDirectory()) {
      Files.delete(path);
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
