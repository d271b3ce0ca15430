package dev.transferd.plugin.store;

import java.io.IOException;

/**
 * The daemon's store: content, images and leases over one metadata database, and the garbage
 * collector that removes what nothing reaches. The embedded default is opened by {@code
 * dev.transferd.plugin.store.embedded.EmbeddedStore.open(root)}.
 */
public interface Store extends AutoCloseable {
  ContentStore content();

  ImageStore images();

  LeaseManager leases();

  /** The namespaces and their labels; UNIMPLEMENTED for a store that keeps none. */
  default NamespaceStore namespaces() {
    throw new StoreException(
        dev.transferd.ttrpc.StatusCode.UNIMPLEMENTED, "this store does not manage namespaces");
  }

  /**
   * Runs a mark-and-sweep collection now: blobs not reachable from an image (through {@code
   * containerd.io/gc.ref.content.*} labels), a lease or a {@code containerd.io/gc.root} label are
   * removed, and ingests older than the stale limit that no lease holds.
   */
  GcResult collectGarbage() throws IOException;

  /** What one collection removed. */
  record GcResult(int blobsRemoved, long bytesRemoved, int ingestsRemoved) {}

  @Override
  void close() throws IOException;
}
