package dev.transferd.plugin.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A blob sink in memory, for tests of the archive code on its own (small archives only). Commits
 * may come from the importer's background threads, so its bookkeeping is synchronized.
 */
final class MemoryBlobSink implements BlobSink {
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<String, Map<String, String>> labels = new ConcurrentHashMap<>();
  final Set<String> retained = new HashSet<>();
  int ingestsCommitted;
  int openIngests;

  @Override
  public OptionalLong size(String digest) {
    byte[] b = blobs.get(digest);
    return b == null ? OptionalLong.empty() : OptionalLong.of(b.length);
  }

  @Override
  public InputStream open(String digest) throws IOException {
    byte[] b = blobs.get(digest);
    if (b == null) {
      throw new FileNotFoundException(digest);
    }
    return new ByteArrayInputStream(b);
  }

  @Override
  public Optional<String> compressedFormOf(String uncompressed) {
    return labels.entrySet().stream()
        .filter(e -> uncompressed.equals(e.getValue().get("containerd.io/uncompressed")))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  @Override
  public void retain(String digest) {
    retained.add(digest);
  }

  @Override
  public synchronized Ingest ingest(String ref) {
    openIngests++;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    return new Ingest() {
      boolean done;

      @Override
      public void write(int b) {
        bytes.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
      }

      @Override
      public String digest() {
        return Digests.of(bytes.toByteArray());
      }

      @Override
      public long size() {
        return bytes.size();
      }

      @Override
      public void commit(long size, String digest, Map<String, String> with) throws IOException {
        byte[] b = bytes.toByteArray();
        if (b.length != size || !Digests.of(b).equals(digest)) {
          throw new IOException("commit of " + ref + " does not match");
        }
        blobs.put(digest, b);
        if (!with.isEmpty()) {
          labels.put(digest, Map.copyOf(with));
        }
        synchronized (MemoryBlobSink.this) {
          ingestsCommitted++;
        }
        finish();
      }

      @Override
      public void abort() {
        finish();
      }

      @Override
      public void close() {
        finish();
      }

      private void finish() {
        synchronized (MemoryBlobSink.this) {
          if (!done) {
            done = true;
            openIngests--;
          }
        }
      }
    };
  }
}
