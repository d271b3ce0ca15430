package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Map;

/**
 * A writer that starts complete: its namespace asked for a blob another namespace holds, and the
 * sharing policy lets it take that blob without the bytes (containerd's {@code namespacedWriter}
 * with no backing writer). Its offset and total are the blob's size, its digest the blob's;
 * committing records the blob in the namespace. Writing or truncating first turns it into an
 * ordinary ingest holding a copy of the blob (cut to the truncated size), which the writes extend.
 * Holds the ref's lock like any writer. Not thread-safe.
 */
final class SharedBlobWriter extends ContentWriter {
  private static final int COPY_CHUNK = 1 << 20;

  private final EmbeddedContentStore store;
  private final String namespace;
  private final String ref;
  private final ContentInfo blob;
  private final String lease;
  private final Instant startedAt;

  /** The ingest that took over after a write or truncate; null while the writer is untouched. */
  private IngestWriter copy;

  private boolean closed;

  SharedBlobWriter(
      EmbeddedContentStore store,
      String namespace,
      String ref,
      ContentInfo blob,
      String lease,
      Instant startedAt) {
    this.store = store;
    this.namespace = namespace;
    this.ref = ref;
    this.blob = blob;
    this.lease = lease;
    this.startedAt = startedAt;
  }

  @Override
  public long offset() {
    return copy != null ? copy.offset() : blob.size();
  }

  @Override
  public String digest() {
    return copy != null ? copy.digest() : blob.digest();
  }

  @Override
  public IngestStatus status() {
    if (copy != null) {
      return copy.status();
    }
    return new IngestStatus(ref, blob.size(), blob.size(), blob.digest(), startedAt, startedAt);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    if (copy == null) {
      if (len == 0) {
        return;
      }
      copyBlob(blob.size());
    }
    copy.write(b, off, len);
  }

  @Override
  public void truncate(long size) throws IOException {
    ensureOpen();
    if (copy != null) {
      copy.truncate(size);
      return;
    }
    if (size < 0 || size > blob.size()) {
      throw new StoreException(
          StatusCode.OUT_OF_RANGE,
          "cannot truncate ingest ref \"" + ref + "\" of " + blob.size() + " bytes to " + size);
    }
    copyBlob(size);
  }

  /** Starts an ingest under this writer's ref with the first {@code size} bytes of the blob. */
  private void copyBlob(long size) throws IOException {
    IngestDirectory ingest = store.createIngest(namespace, ref, blob.size(), null);
    IngestWriter w = IngestWriter.open(store, ingest, lease);
    try (InputStream in = Files.newInputStream(store.blobPath(blob.digest()))) {
      byte[] buf = new byte[(int) Math.min(COPY_CHUNK, Math.max(size, 1))];
      long left = size;
      while (left > 0) {
        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
        if (n <= 0) {
          throw new StoreException(
              StatusCode.DATA_LOSS,
              "content " + blob.digest() + " ended " + left + " bytes short of " + size);
        }
        w.write(buf, 0, n);
        left -= n;
      }
    } catch (NoSuchFileException e) {
      abandon(w);
      throw StoreException.notFound(
          "content " + blob.digest() + " was removed before ingest ref \"" + ref + "\" copied it");
    } catch (IOException | RuntimeException e) {
      abandon(w);
      throw e;
    }
    copy = w;
  }

  /**
   * Drops a copy that failed and ends this writer: the partial ingest is removed while the ref is
   * still locked, then the copy's writer lets the lock go.
   */
  private void abandon(IngestWriter w) {
    closed = true;
    try {
      store.abort(namespace, ref);
    } catch (IOException | RuntimeException suppressed) {
      // the copy's failure is the one to report; a leftover ingest is removed when it goes stale
    }
    try {
      w.close();
    } catch (IOException | RuntimeException suppressed) {
      // as above
    }
  }

  @Override
  public ContentInfo commit(long size, String expected, Map<String, String> labels)
      throws IOException {
    ensureOpen();
    if (copy != null) {
      closed = true;
      return copy.commit(size, expected, labels);
    }
    LabelRules.validate(labels, "ingest ref \"" + ref + "\"");
    closed = true;
    try {
      if (size > 0 && size != blob.size()) {
        throw StoreException.failedPrecondition(
            "unexpected commit size "
                + blob.size()
                + ", expected "
                + size
                + " for ingest ref \""
                + ref
                + "\"");
      }
      if (expected != null && !expected.isEmpty() && !expected.equals(blob.digest())) {
        throw StoreException.failedPrecondition(
            "unexpected commit digest "
                + blob.digest()
                + ", expected "
                + expected
                + " for ingest ref \""
                + ref
                + "\"");
      }
      EmbeddedContentStore.CommitOutcome outcome =
          store.commitShared(namespace, ref, blob.digest(), blob.size(), labels, lease);
      if (outcome.alreadyExisted()) {
        throw StoreException.alreadyExists("content " + blob.digest() + " already exists");
      }
      return outcome.info();
    } finally {
      store.releaseRef(namespace, ref);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (copy != null) {
      copy.close();
    } else {
      store.releaseRef(namespace, ref);
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("writer of ingest ref \"" + ref + "\" is closed");
    }
  }
}
