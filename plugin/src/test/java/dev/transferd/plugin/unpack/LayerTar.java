package dev.transferd.plugin.unpack;

import dev.transferd.plugin.archive.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in tests: every entry type and metadata field, hostile entries included. */
public final class LayerTar {
  static final Instant MTIME = Instant.parse("2024-03-01T12:00:00.250Z");

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  public LayerTar() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  public LayerTar dir(String name, int mode) {
    return put(base(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
  }

  public LayerTar file(String name, int mode, String content) {
    return put(base(name, TarConstants.LF_NORMAL, mode), content.getBytes(StandardCharsets.UTF_8));
  }

  public LayerTar file(String name, int mode, byte[] content) {
    return put(base(name, TarConstants.LF_NORMAL, mode), content);
  }

  public LayerTar symlink(String name, String target) {
    TarArchiveEntry e = base(name, TarConstants.LF_SYMLINK, 0777);
    e.setLinkName(target);
    return put(e, null);
  }

  public LayerTar hardlink(String name, String target) {
    return hardlink(name, target, 0644);
  }

  /**
   * A hardlink whose header carries {@code mode}, as real tar writers give it the file's mode
   * (containerd applies it to the shared inode; umoci and transferd do not).
   */
  public LayerTar hardlink(String name, String target, int mode) {
    TarArchiveEntry e = base(name, TarConstants.LF_LINK, mode);
    e.setLinkName(target);
    return put(e, null);
  }

  LayerTar device(String name, byte type, int mode, int major, int minor) {
    TarArchiveEntry e = base(name, type, mode);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, null);
  }

  LayerTar fifo(String name, int mode) {
    return put(base(name, TarConstants.LF_FIFO, mode), null);
  }

  /** The owner of the next entry. */
  LayerTar owned(long uid, long gid) {
    pendingUid = uid;
    pendingGid = gid;
    return this;
  }

  /** An xattr on the next entry. */
  LayerTar xattr(String name, String value) {
    pendingXattrName = name;
    pendingXattrValue = value;
    return this;
  }

  /**
   * A binary xattr on the next entry, written as Go's tar writer writes it: raw bytes in a PAX
   * record of an {@code x} header of our own (commons-compress would write the value as UTF-8
   * text). The entry then has a whole-second mtime, so that commons-compress adds no PAX header of
   * its own.
   */
  public LayerTar rawXattr(String name, byte[] value) {
    pendingRawName = name;
    pendingRawValue = value;
    return this;
  }

  private String pendingRawName;
  private byte[] pendingRawValue;
  private long pendingUid;
  private long pendingGid;
  private String pendingXattrName;
  private String pendingXattrValue;

  private TarArchiveEntry base(String name, byte type, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(mode);
    e.setLastModifiedTime(FileTime.from(MTIME));
    if (pendingRawName != null) {
      writeRawPax("SCHILY.xattr." + pendingRawName, pendingRawValue);
      e.setLastModifiedTime(
          FileTime.from(MTIME.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      pendingRawName = null;
    }
    e.setUserId(pendingUid);
    e.setGroupId(pendingGid);
    if (pendingXattrName != null) {
      e.addPaxHeader("SCHILY.xattr." + pendingXattrName, pendingXattrValue);
    }
    pendingUid = 0;
    pendingGid = 0;
    pendingXattrName = null;
    return e;
  }

  private void writeRawPax(String key, byte[] value) {
    byte[] k = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
    int body = k.length + value.length + 1;
    int length = body + Integer.toString(body).length();
    if (Integer.toString(length).length() != Integer.toString(body).length()) {
      length++;
    }
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
    record.writeBytes(k);
    record.writeBytes(value);
    record.write('\n');
    TarArchiveEntry x =
        new TarArchiveEntry("PaxHeaders/raw", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    // a whole-second time, or commons-compress would put a PAX header of its own before this one
    x.setLastModifiedTime(FileTime.from(MTIME.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    put(x, record.toByteArray());
  }

  private LayerTar put(TarArchiveEntry e, byte[] content) {
    try {
      if (content != null) {
        e.setSize(content.length);
      }
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }

  /** The finished, uncompressed tar. */
  byte[] bytes() {
    try {
      tar.finish();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  static byte[] zstd(byte[] raw) {
    return com.github.luben.zstd.Zstd.compress(raw);
  }

  static String diffId(byte[] raw) {
    return Digests.of(raw);
  }
}
