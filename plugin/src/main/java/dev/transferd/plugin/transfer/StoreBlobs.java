package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.BlobSink;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content store of one namespace as the archive code's blob sink and source. Ingests are opened
 * under the operation's lease (null: none) with refs unique to this instance (two imports under one
 * caller's lease do not lock each other out), and aborted (bytes removed) when closed uncommitted,
 * so a failed import leaves no ingest behind.
 */
final class StoreBlobs implements BlobSink {
  private static final Logger log = LoggerFactory.getLogger(StoreBlobs.class);
  private static final SecureRandom REF_IDS = new SecureRandom();
  private static final String UNCOMPRESSED_LABEL = "containerd.io/uncompressed";

  private final ContentStore content;
  private final LeaseManager leases;
  private final String namespace;
  private final String lease;
  private final String refPrefix;

  StoreBlobs(ContentStore content, LeaseManager leases, String namespace, String lease) {
    this.content = content;
    this.leases = leases;
    this.namespace = namespace;
    this.lease = lease;
    this.refPrefix = "import-" + Long.toHexString(REF_IDS.nextLong()) + "-";
  }

  @Override
  public OptionalLong size(String digest) {
    return content
        .info(namespace, digest)
        .map(i -> OptionalLong.of(i.size()))
        .orElse(OptionalLong.empty());
  }

  @Override
  public InputStream open(String digest) throws IOException {
    return content.read(namespace, digest, 0);
  }

  @Override
  public Optional<String> compressedFormOf(String uncompressed) {
    String filter = "labels.\"" + UNCOMPRESSED_LABEL + "\"==\"" + uncompressed + "\"";
    return content.list(namespace, List.of(filter)).stream()
        .map(ContentInfo::digest)
        .filter(d -> !d.equals(uncompressed))
        .findFirst();
  }

  @Override
  public void retain(String digest) {
    if (lease != null) {
      leases.addResource(namespace, lease, new Lease.Resource(digest, "content"));
    }
  }

  @Override
  public Ingest ingest(String ref) throws IOException {
    String unique = refPrefix + ref;
    ContentWriter writer = content.writer(WriteRequest.of(namespace, unique).underLease(lease));
    if (writer.offset() > 0) { // a stale ingest of the same ref: start over
      writer.close();
      content.abort(namespace, unique);
      writer = content.writer(WriteRequest.of(namespace, unique).underLease(lease));
    }
    ContentWriter w = writer;
    return new Ingest() {
      private boolean done;

      @Override
      public void write(int b) throws IOException {
        w.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        w.write(b, off, len);
      }

      @Override
      public String digest() {
        return w.digest();
      }

      @Override
      public long size() {
        return w.offset(); // the writer starts empty (a stale ingest was aborted above)
      }

      @Override
      public void commit(long size, String digest, Map<String, String> labels) throws IOException {
        try {
          w.commit(size, digest, labels);
        } catch (StoreException e) {
          if (e.code() != StatusCode.ALREADY_EXISTS) {
            throw e;
          }
          if (!labels.isEmpty()) {
            List<String> paths = labels.keySet().stream().map(k -> "labels." + k).toList();
            content.update(namespace, digest, labels, paths);
          }
        } finally {
          done = true;
          w.close();
        }
      }

      @Override
      public void abort() {
        if (done) {
          return;
        }
        done = true;
        // A cancelled transfer aborts with its thread interrupted; the clean-up must still run to
        // its end, or the upload would stay on disk, held by nothing, until a collection.
        boolean interrupted = Thread.interrupted();
        try {
          try {
            w.close();
          } catch (IOException | RuntimeException e) {
            log.debug("close of ingest {} in {}: {}", unique, namespace, e.toString());
          }
          try {
            content.abort(namespace, unique);
          } catch (IOException | RuntimeException e) {
            log.warn("abort of ingest {} in {}: {}", unique, namespace, e.toString());
          }
        } finally {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }

      @Override
      public void close() {
        abort();
      }
    };
  }
}
