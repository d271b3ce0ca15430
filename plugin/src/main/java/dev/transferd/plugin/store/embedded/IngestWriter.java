package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;

/**
 * Writes one ingest: every byte goes through SHA-256 and then to the data file, so commit knows the
 * digest without reading the file again. Opening a writer on an ingest that already has bytes
 * (resume) hashes those bytes once. Not thread-safe; the ref stays locked until {@link #close} or
 * {@link #commit}, whatever its outcome.
 *
 * <p>"Updated at" is containerd's: the stored value when the writer opens, the time of each {@link
 * #write}, and stored again when the writer closes (or a commit fails), so a later writer and
 * {@code Status} see the time of the last write, not of the last flush.
 */
final class IngestWriter extends ContentWriter {
  private static final int REHASH_CHUNK = 1 << 20;

  private final EmbeddedContentStore store;
  private final IngestDirectory ingest;
  private final String lease;
  private final FileChannel channel;
  private final MessageDigest sha256;
  private final PipelinedAppender appender;
  // Volatile: the store's status of a held ingest reads them from other threads.
  private volatile long offset;
  private volatile Instant updatedAt;
  private boolean closed;

  /** Set once {@link #commit} has computed it; the running digest is spent then. */
  private String finalDigest;

  private IngestWriter(
      EmbeddedContentStore store,
      IngestDirectory ingest,
      String lease,
      FileChannel channel,
      MessageDigest sha256,
      long offset,
      Instant updatedAt) {
    this.store = store;
    this.updatedAt = updatedAt;
    this.ingest = ingest;
    this.lease = lease;
    this.channel = channel;
    this.sha256 = sha256;
    this.offset = offset;
    this.appender = PipelinedAppender.open(ingest.data(), channel, offset);
  }

  /** Opens the ingest's data file at its end, having hashed what is there. */
  static IngestWriter open(EmbeddedContentStore store, IngestDirectory ingest, String lease)
      throws IOException {
    FileChannel ch =
        FileChannel.open(ingest.data(), StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      MessageDigest sha256 = Sha256.newDigest();
      long pos = rehash(ch, sha256, ch.size());
      ch.position(pos);
      IngestWriter w = new IngestWriter(store, ingest, lease, ch, sha256, pos, ingest.updatedAt());
      store.opened(w, ingest);
      return w;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Feeds the first {@code size} bytes of the file to {@code sha256}; returns how many it read. */
  private static long rehash(FileChannel ch, MessageDigest sha256, long size) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(REHASH_CHUNK, Math.max(size, 1)));
    long pos = 0;
    while (pos < size) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), size - pos));
      int n = ch.read(buf, pos);
      if (n < 0) {
        break;
      }
      sha256.update(buf.array(), 0, n);
      pos += n;
    }
    return pos;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    sha256.update(b, off, len);
    appender.append(b, off, len);
    offset += len;
    updatedAt = Instant.now();
  }

  @Override
  public void truncate(long size) throws IOException {
    ensureOpen();
    if (size < 0 || size > offset) {
      throw new StoreException(
          dev.transferd.ttrpc.StatusCode.OUT_OF_RANGE,
          "cannot truncate ingest ref \"" + ingest.ref() + "\" of " + offset + " bytes to " + size);
    }
    appender.drain();
    channel.truncate(size);
    appender.restartAt(size);
    sha256.reset();
    rehash(channel, sha256, size);
    channel.position(size);
    offset = size;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public String digest() {
    if (finalDigest != null) {
      return finalDigest;
    }
    return Sha256.format(copyOfDigest().digest());
  }

  private MessageDigest copyOfDigest() {
    try {
      return (MessageDigest) sha256.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
  }

  /** Thread-safe: the store answers status requests for a held ingest with it. */
  @Override
  public IngestStatus status() {
    return new IngestStatus(
        ingest.ref(),
        offset,
        ingest.total(),
        ingest.expected() == null ? "" : ingest.expected(),
        ingest.startedAt(),
        updatedAt);
  }

  @Override
  public ContentInfo commit(long size, String expected, Map<String, String> labels)
      throws IOException {
    ensureOpen();
    LabelRules.validate(labels, "ingest ref \"" + ingest.ref() + "\"");
    if (expected != null && !expected.isEmpty()) {
      Sha256.hexOf(expected);
    } else {
      expected = ingest.expected();
    }
    if (size <= 0) {
      size = ingest.total();
    }
    appender.drain();
    channel.force(true);
    String actual = Sha256.format(sha256.digest());
    finalDigest = actual;
    appender.close();
    channel.close();
    closed = true;
    try {
      // A mismatch keeps the ingest, as containerd does: a new writer on the ref continues it.
      if (size > 0 && size != offset) {
        ingest.storeUpdatedAt(updatedAt);
        throw StoreException.failedPrecondition(
            "unexpected commit size "
                + offset
                + ", expected "
                + size
                + " for ingest ref \""
                + ingest.ref()
                + "\"");
      }
      if (expected != null && !expected.equals(actual)) {
        ingest.storeUpdatedAt(updatedAt);
        throw StoreException.failedPrecondition(
            "unexpected commit digest "
                + actual
                + ", expected "
                + expected
                + " for ingest ref \""
                + ingest.ref()
                + "\"");
      }
      EmbeddedContentStore.CommitOutcome outcome =
          store.commit(ingest, actual, offset, labels, lease);
      if (outcome.alreadyExisted()) {
        throw StoreException.alreadyExists("content " + actual + " already exists");
      }
      return outcome.info();
    } finally {
      store.release(ingest);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // After a failure some call has already reported, the bytes that landed stay for a resume
      // (which re-hashes them); otherwise the last buffer is written, and a failure reported here.
      if (!appender.isBroken()) {
        appender.drain();
      }
    } finally {
      try {
        appender.close();
        channel.close();
        ingest.storeUpdatedAt(updatedAt);
      } finally {
        store.release(ingest);
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("writer of ingest ref \"" + ingest.ref() + "\" is closed");
    }
  }
}
