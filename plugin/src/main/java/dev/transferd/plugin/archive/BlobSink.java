package dev.transferd.plugin.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;

/**
 * Where an import puts the blobs it finds: the content store under the import's lease, in the
 * daemon. Blobs committed here are readable through {@link BlobSource} at once. Used by one
 * importing thread.
 */
public interface BlobSink extends BlobSource {
  /** An open ingest: bytes are hashed as they are written. */
  abstract class Ingest extends OutputStream {
    /** {@code sha256:<hex>} of the bytes written so far. */
    public abstract String digest();

    /** How many bytes have been written so far. */
    public abstract long size();

    /**
     * Commits the bytes as blob {@code digest} of {@code size} bytes (both already checked by the
     * caller); a blob that was already stored is fine.
     */
    public void commit(long size, String digest) throws IOException {
      commit(size, digest, Map.of());
    }

    /** {@link #commit(long, String)} with content labels on the committed blob. */
    public abstract void commit(long size, String digest, Map<String, String> labels)
        throws IOException;

    /** Drops the bytes; never throws. */
    public abstract void abort();

    /** Same as {@link #abort} unless committed. */
    @Override
    public abstract void close();
  }

  /** Opens an ingest named {@code ref} (unique within this import). */
  Ingest ingest(String ref) throws IOException;

  /**
   * A stored blob labelled {@code containerd.io/uncompressed=<uncompressed>}: the compressed form
   * of that layer, which containerd's importer lists in place of an uncompressed layer file.
   */
  Optional<String> compressedFormOf(String uncompressed) throws IOException;

  /** Keeps a blob that was already stored for this import (its lease), without rewriting it. */
  void retain(String digest) throws IOException;
}
