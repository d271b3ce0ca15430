package dev.transferd.plugin.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The tar pass of an import: reads the archive once, front to back, validating every entry and
 * storing every regular file as a blob as it streams by (so layers are never held in memory or
 * staged twice). What is allowed: regular files, directories, symlinks and hardlinks whose targets
 * stay inside the archive. What is not: absolute names, {@code ..}, device files, FIFOs, other
 * entry types, duplicate names, files over the archive cap, JSON documents over the JSON cap. Files
 * under {@code blobs/sha256/<hex>} are checked against their name; those already stored are only
 * hashed, not rewritten. Each blob is committed (synced to disk) in the background while the next
 * file streams in; {@link #scan} returns once all commits have ended. Single use: one scanner per
 * archive.
 */
final class ArchiveScanner {
  private static final Pattern BLOB_PATH = Pattern.compile("(?:.+/)?blobs/([^/]+)/([^/]+)");

  /**
   * Bytes taken from the tar per ingest write: one containerd window. Small on purpose. The block
   * stays in the CPU's cache from the receive copy through SHA-256 and the store's copy into its
   * write buffer, and the importing thread goes back to the byte stream, whose credit waits for it,
   * after ~40 µs of hashing instead of ~0.6 ms per MiB. An ingest write costs only the hash and
   * that copy (the store batches the file writes, see {@code PipelinedAppender}). With 1 MiB here a
   * 1 GiB import at containerd's sizes ran at 0.28 GB/s and 4.3 CPU-s, against 0.46 GB/s and 3.5
   * CPU-s with 64 KiB (docs/benchmarks.md, "Archives").
   */
  private static final int BUFFER = 64 * 1024;

  private final BlobSink sink;
  private final ArchiveLimits limits;
  private final byte[] buffer = new byte[BUFFER];
  private final PendingCommits commits = new PendingCommits();
  private SourceStream source;

  ArchiveScanner(BlobSink sink, ArchiveLimits limits) {
    this.sink = sink;
    this.limits = limits;
  }

  /**
   * Scans {@code raw}: decompressed by magic when {@code mediaType} is empty, read as a plain tar
   * otherwise.
   *
   * @throws InvalidArchiveException for anything the archive itself gets wrong
   * @throws IOException when reading {@code raw} or storing fails
   */
  ArchiveFiles scan(InputStream raw, String mediaType) throws IOException {
    source = new SourceStream(raw);
    // No buffering stream in between: the tar reads entry data straight into this scanner's buffer.
    PushbackInputStream in = new PushbackInputStream(source, Compression.MAGIC_LENGTH);
    InputStream decompressed = in;
    if (mediaType.isEmpty()) {
      byte[] magic = in.readNBytes(Compression.MAGIC_LENGTH);
      in.unread(magic);
      try {
        decompressed = Compression.detect(magic, magic.length).decompress(in);
      } catch (IOException e) {
        throw tarFailure(e);
      }
    }
    ArchiveFiles files = new ArchiveFiles();
    TarArchiveInputStream tar = new TarArchiveInputStream(new CappedStream(decompressed, limits));
    int count = 0;
    try {
      for (TarArchiveEntry entry = nextEntry(tar); entry != null; entry = nextEntry(tar)) {
        count++;
        take(tar, entry, files);
      }
    } catch (IOException | RuntimeException e) {
      try {
        commits.awaitAll(); // none may run on after the import has failed
      } catch (IOException | RuntimeException also) {
        e.addSuppressed(also);
      }
      throw e;
    }
    commits.awaitAll();
    if (count == 0) {
      throw new InvalidArchiveException("archive", "not a tar archive (no entries)");
    }
    files.settlePrefix();
    return files;
  }

  private TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException {
    try {
      return tar.getNextEntry();
    } catch (IOException | RuntimeException e) {
      throw tarFailure(e);
    }
  }

  /**
   * Reads the current entry into {@link #buffer} until it is full or the entry ends.
   *
   * @return the bytes read, 0 at the end of the entry
   */
  private int fill(InputStream tar) throws IOException {
    int filled = 0;
    try {
      while (filled < buffer.length) {
        int n = tar.read(buffer, filled, buffer.length - filled);
        if (n < 0) {
          break;
        }
        filled += n;
      }
    } catch (IOException | RuntimeException e) {
      throw tarFailure(e);
    }
    return filled;
  }

  /**
   * What a failure while parsing the tar means: the client's stream failing is passed on as it is;
   * anything else is the archive's fault.
   */
  private IOException tarFailure(Exception e) {
    if (source.failure != null) {
      return source.failure;
    }
    if (e instanceof InvalidArchiveException invalid) {
      return invalid;
    }
    String what = e.getMessage() == null ? e.toString() : e.getMessage();
    return new InvalidArchiveException("archive", "not a valid tar archive: " + what, e);
  }

  private void take(TarArchiveInputStream tar, TarArchiveEntry entry, ArchiveFiles files)
      throws IOException {
    String path = ArchivePaths.entryName(entry.getName());
    if (path.isEmpty()) {
      if (entry.isDirectory()) {
        return; // "./"
      }
      throw new InvalidArchiveException(entry.getName(), "entry without a name");
    }
    if (files.contains(path) && !entry.isDirectory()) {
      throw new InvalidArchiveException(path, "duplicate entry");
    }
    if (entry.isDirectory()) {
      files.addDirectory(path);
    } else if (entry.isSymbolicLink()) {
      String target = ArchivePaths.resolve(ArchivePaths.parent(path), entry.getLinkName());
      if (target == null) {
        throw new InvalidArchiveException(
            path, "symlink to \"" + entry.getLinkName() + "\" escapes the archive");
      }
      files.addLink(path, target);
    } else if (entry.isLink()) {
      String target = ArchivePaths.resolve("", entry.getLinkName());
      if (target == null) {
        throw new InvalidArchiveException(
            path, "hardlink to \"" + entry.getLinkName() + "\" points outside the archive");
      }
      files.addLink(path, target);
    } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      throw new InvalidArchiveException(path, "device file not allowed in an image archive");
    } else if (entry.isFIFO()) {
      throw new InvalidArchiveException(path, "FIFO not allowed in an image archive");
    } else if (entry.isFile() && !entry.isSparse()) {
      takeFile(tar, entry, path, files);
    } else {
      throw new InvalidArchiveException(
          path, "entry type '" + (char) entry.getLinkFlag() + "' not allowed in an image archive");
    }
  }

  private void takeFile(
      TarArchiveInputStream tar, TarArchiveEntry entry, String path, ArchiveFiles files)
      throws IOException {
    long size = entry.getSize();
    if (size > limits.maxArchiveBytes()) {
      throw new InvalidArchiveException(
          path, size + " bytes is over the archive limit of " + limits.maxArchiveBytes());
    }
    String base = ArchivePaths.baseName(path);
    boolean document = ArchiveFiles.DOCUMENTS.contains(base) && path.split("/").length <= 2;
    boolean json = document || base.endsWith(".json") || base.equals("json");
    if (json && size > limits.maxJsonBytes()) {
      throw new InvalidArchiveException(
          path,
          size + " bytes is over the limit of " + limits.maxJsonBytes() + " for a JSON document");
    }
    if (document) {
      byte[] bytes = new byte[(int) size];
      int filled = 0;
      int n;
      while (filled < size && (n = fill(tar)) > 0) {
        int take = (int) Math.min(n, size - filled);
        System.arraycopy(buffer, 0, bytes, filled, take);
        filled += take;
      }
      checkComplete(path, size, filled);
      files.addDocument(path, bytes);
      return;
    }
    String expected = expectedDigest(path);
    ArchiveFiles.File file;
    if (expected != null && sink.size(expected).isPresent()) {
      file = hashOnly(tar, path, size, expected);
      sink.retain(expected);
    } else {
      file = store(tar, path, size, expected);
    }
    files.addFile(file);
  }

  /** The digest a file's name promises ({@code blobs/sha256/<hex>}), or null for other names. */
  private static String expectedDigest(String path) throws InvalidArchiveException {
    Matcher m = BLOB_PATH.matcher(path);
    if (!m.matches()) {
      return null;
    }
    if (!m.group(1).equals("sha256")) {
      throw new InvalidArchiveException(
          path, "digest algorithm \"" + m.group(1) + "\" is not supported (only sha256)");
    }
    String digest = "sha256:" + m.group(2);
    if (!Digests.isValid(digest)) {
      throw new InvalidArchiveException(path, "blob name is not a sha256 digest");
    }
    return digest;
  }

  private ArchiveFiles.File hashOnly(InputStream in, String path, long size, String expected)
      throws IOException {
    MessageDigest digest = Digests.sha256();
    byte[] head = readEntry(in, path, size, digest::update);
    String actual = Digests.of(digest);
    checkDigest(path, expected, actual);
    return new ArchiveFiles.File(path, actual, size, head);
  }

  private ArchiveFiles.File store(InputStream in, String path, long size, String expected)
      throws IOException {
    BlobSink.Ingest ingest = sink.ingest("tar-" + path);
    boolean handedOver = false;
    try {
      byte[] head = readEntry(in, path, size, ingest::write);
      String actual = ingest.digest();
      if (expected != null) {
        checkDigest(path, expected, actual);
      }
      if (size > 0) { // the store keeps no empty blobs; nothing refers to one by content
        commits.commit(ingest, size, actual);
        handedOver = true;
      }
      return new ArchiveFiles.File(path, actual, size, head);
    } finally {
      if (!handedOver) {
        ingest.abort();
      }
    }
  }

  /** Where {@link #readEntry} hands each block of an entry. */
  @FunctionalInterface
  private interface BlockSink {
    void write(byte[] block, int offset, int length) throws IOException;
  }

  /**
   * Reads the current entry to its end through {@link #buffer} into {@code sink}, failing if it
   * holds fewer than {@code size} bytes.
   *
   * @return its first bytes (up to {@link Compression#MAGIC_LENGTH}), for sniffing compression
   */
  private byte[] readEntry(InputStream in, String path, long size, BlockSink sink)
      throws IOException {
    byte[] head = null;
    long total = 0;
    int n;
    while ((n = fill(in)) > 0) {
      if (head == null) {
        head = Arrays.copyOf(buffer, Math.min(n, Compression.MAGIC_LENGTH));
      }
      sink.write(buffer, 0, n);
      total += n;
    }
    checkComplete(path, size, total);
    return head == null ? new byte[0] : head;
  }

  private static void checkComplete(String path, long size, long read)
      throws InvalidArchiveException {
    if (read != size) {
      throw new InvalidArchiveException(
          path, "truncated: the archive ends after " + read + " of its " + size + " bytes");
    }
  }

  private static void checkDigest(String path, String expected, String actual)
      throws InvalidArchiveException {
    if (!expected.equals(actual)) {
      throw new InvalidArchiveException(
          path, "content digest is " + actual + ", not " + expected + " as its name says");
    }
  }

  /** Remembers a failure of the client's stream, so it is not mistaken for a broken tar. */
  private static final class SourceStream extends FilterInputStream {
    volatile IOException failure;

    SourceStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  /** Fails once more than the archive limit has been read (after decompression). */
  private static final class CappedStream extends FilterInputStream {
    private final long limit;
    private long count;

    CappedStream(InputStream in, ArchiveLimits limits) {
      super(in);
      this.limit = limits.maxArchiveBytes();
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws InvalidArchiveException {
      count += n;
      if (count > limit) {
        throw new InvalidArchiveException(
            "archive", "larger than the limit of " + limit + " bytes (after decompression)");
      }
    }
  }
}
