package dev.transferd.plugin.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Blobs by digest, per namespace (containerd's metadata content store over its local store). A blob
 * exists in a namespace once committed there; the bytes are shared across namespaces. Digests are
 * {@code sha256:<64 lowercase hex>}; anything else is INVALID_ARGUMENT.
 */
public interface ContentStore {
  Optional<ContentInfo> info(String namespace, String digest);

  /**
   * Replaces the labels named by {@code fieldPaths} ({@code labels.<key>}; {@code labels} alone
   * means all), or all labels when {@code fieldPaths} is empty. Label rules: key non-empty, key +
   * value at most 4096 bytes (INVALID_ARGUMENT otherwise).
   *
   * @throws StoreException NOT_FOUND if the blob is not in the namespace
   */
  ContentInfo update(
      String namespace, String digest, Map<String, String> labels, List<String> fieldPaths);

  /**
   * The blobs of the namespace matching any of {@code filters} (containerd filter syntax, e.g.
   * {@code labels."k"==v}, {@code digest~=...}); all when empty. Sorted by digest.
   */
  List<ContentInfo> list(String namespace, List<String> filters);

  /** Removes the blob from the namespace (the bytes go when no namespace holds them). */
  void delete(String namespace, String digest);

  /**
   * Reads the blob from {@code offset}, streaming.
   *
   * @throws StoreException NOT_FOUND if the blob is not in the namespace
   */
  InputStream read(String namespace, String digest, long offset) throws IOException;

  /**
   * Opens (or re-opens, for resume) an ingest. A ref another writer holds is tried again for up to
   * about a second first (containerd's backoff). When the request expects a digest that another
   * namespace holds and the store's {@link ContentSharingPolicy} lets this namespace share it, the
   * writer starts complete: its offset is the blob's size and a commit records the blob here.
   * Clients write from {@link ContentWriter#offset()}.
   *
   * @throws StoreException UNAVAILABLE naming the ref when another writer still holds it;
   *     ALREADY_EXISTS when the request's expected digest is already in the namespace (it is then
   *     added to the request's lease, as containerd does); NOT_FOUND when the lease does not exist;
   *     FAILED_PRECONDITION when a resumed ingest expects another digest or size
   */
  ContentWriter writer(WriteRequest request) throws IOException;

  Optional<IngestStatus> status(String namespace, String ref);

  /**
   * The file holding a committed blob, for readers that hand it to the kernel (memory mapping,
   * zero-copy sends); empty when this store keeps blobs elsewhere, and for blobs not in the
   * namespace. Callers only read the file.
   */
  default Optional<java.nio.file.Path> file(String namespace, String digest) {
    return Optional.empty();
  }

  /** Ingests of the namespace, filtered by ref ({@code ref~=...}) when filters are given. */
  List<IngestStatus> listStatuses(String namespace, List<String> filters);

  /**
   * Removes an ingest and its bytes, even while a writer holds it (that writer's commit then fails
   * NOT_FOUND), as containerd's Abort does.
   *
   * @throws StoreException NOT_FOUND if there is none
   */
  void abort(String namespace, String ref) throws IOException;

  /**
   * Makes a blob that another namespace holds visible in {@code namespace} too, without copying a
   * byte: a new record with the blob's size and no labels (containerd's shared content policy,
   * where a digest known anywhere in the store may be committed in any namespace).
   *
   * @return the blob's info in {@code namespace}, already there or just shared; empty when no
   *     namespace holds the blob
   */
  Optional<ContentInfo> share(String namespace, String digest);
}
