package dev.transferd.plugin.store;

/**
 * What {@link ContentStore#writer} opens: the ingest {@code ref} in {@code namespace}, the size and
 * digest expected when known ({@code -1} / {@code null} when not), and the lease (or {@code null})
 * that protects the blob from garbage collection between commit and the image record that makes it
 * reachable.
 */
public record WriteRequest(
    String namespace, String ref, long expectedSize, String expectedDigest, String lease) {
  public static WriteRequest of(String namespace, String ref) {
    return new WriteRequest(namespace, ref, -1, null, null);
  }

  public WriteRequest expecting(long size, String digest) {
    return new WriteRequest(namespace, ref, size, digest, lease);
  }

  public WriteRequest underLease(String leaseId) {
    return new WriteRequest(namespace, ref, expectedSize, expectedDigest, leaseId);
  }
}
