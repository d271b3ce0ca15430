package dev.transferd.plugin.store;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * An open ingest: bytes are hashed as they are written, and land under their digest only on {@link
 * #commit}. Holding a writer locks its ref; {@link #close} without a commit releases the lock and
 * keeps the bytes, so a later writer on the same ref continues at {@link #offset()} (resume). Not
 * thread-safe: one writer thread.
 */
public abstract class ContentWriter extends OutputStream {
  /** Bytes in the ingest so far, including those written by earlier writers of the same ref. */
  public abstract long offset();

  /** The digest of the bytes written so far ({@code sha256:<hex>}). */
  public abstract String digest();

  public abstract IngestStatus status();

  /**
   * Verifies and commits the ingest: fsync, size check ({@code size > 0} or the expected size of
   * the request), digest check ({@code expected} or the request's), atomic rename into {@code
   * content/blobs/sha256/<hex>}, directory fsync, metadata record with {@code labels} in the
   * writer's namespace (and the writer's lease). Removes the ingest.
   *
   * @param size the size to check against, or 0 to take the request's (if any)
   * @param expected the digest to check against, or null to take the request's (if any)
   * @return the committed blob's info
   * @throws StoreException FAILED_PRECONDITION on a size or digest mismatch (the ingest is kept: a
   *     new writer on the ref continues it, as in containerd), ALREADY_EXISTS when the writer's
   *     namespace already had the blob (the ingest is discarded; the blob is still added to the
   *     lease). A blob whose bytes are in the store only for other namespaces is not an error: it
   *     becomes visible in this one, as in containerd. Whatever the outcome, the writer is done and
   *     its ref free.
   */
  public abstract ContentInfo commit(long size, String expected, Map<String, String> labels)
      throws IOException;

  /**
   * Cuts the ingest back to {@code size} bytes (containerd's {@code Writer.Truncate}; the Content
   * service's Write does this when a client restarts at offset 0). The digest is recomputed.
   *
   * @throws StoreException OUT_OF_RANGE if {@code size} is negative or beyond {@link #offset()};
   *     UNIMPLEMENTED if the store cannot truncate
   */
  public void truncate(long size) throws IOException {
    throw new StoreException(
        dev.transferd.ttrpc.StatusCode.UNIMPLEMENTED, "this content store cannot truncate ingests");
  }

  /** Releases the ref's lock; an uncommitted ingest stays for resume. */
  @Override
  public abstract void close() throws IOException;
}
