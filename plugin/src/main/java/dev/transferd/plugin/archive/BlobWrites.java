package dev.transferd.plugin.archive;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Small blobs an import makes up (indexes, manifests, configs) and digests it recomputes. */
final class BlobWrites {
  private BlobWrites() {}

  /** Stores {@code bytes} as a blob and returns its digest. */
  static String put(BlobSink sink, String ref, byte[] bytes) throws IOException {
    String digest = Digests.of(bytes);
    if (sink.size(digest).isPresent()) {
      sink.retain(digest);
      return digest;
    }
    try (BlobSink.Ingest ingest = sink.ingest(ref)) {
      ingest.write(bytes);
      ingest.commit(bytes.length, digest);
    }
    return digest;
  }

  /** The digest of a stored layer after decompressing it (its diff_id). */
  static String uncompressedDigest(BlobSource source, ArchiveFiles.File file) throws IOException {
    Compression compression = file.compression();
    if (compression == Compression.NONE) {
      return file.digest();
    }
    MessageDigest digest = Digests.sha256();
    byte[] buffer = new byte[256 * 1024];
    try (InputStream in = compression.decompress(source.open(file.digest()))) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new InvalidArchiveException(
          file.path(), "layer does not decompress as " + compression + ": " + e.getMessage(), e);
    }
    return Digests.of(digest);
  }
}
