package dev.transferd.plugin.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar archives in tests, hostile ones included. */
final class TarWriter {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  TarWriter() {
    this(null);
  }

  private TarWriter(OutputStream ignored) {
    tar = new TarArchiveOutputStream(bytes);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  TarWriter file(String name, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    e.setMode(0644);
    return entry(e, content);
  }

  TarWriter file(String name, String content) {
    return file(name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  TarWriter dir(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040755);
    return entry(e, new byte[0]);
  }

  TarWriter symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return entry(e, new byte[0]);
  }

  TarWriter hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return entry(e, new byte[0]);
  }

  TarWriter special(String name, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    return entry(e, new byte[0]);
  }

  TarWriter entry(TarArchiveEntry e, byte[] content) {
    try {
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }

  byte[] finish() {
    try {
      tar.finish();
      tar.close();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return bytes.toByteArray();
  }

  /** A lone header declaring {@code size} bytes for {@code name}, with no data after it. */
  static byte[] headerOnly(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(size);
    byte[] header = new byte[512];
    try {
      e.writeEntryHeader(
          header,
          org.apache.commons.compress.archivers.zip.ZipEncodingHelper.getZipEncoding("UTF-8"),
          true);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return header;
  }
}
