package dev.transferd.plugin.store;

import java.util.List;
import java.util.Optional;

/**
 * Named images per namespace. Validation (containerd's): name non-empty; target digest valid, size
 * &gt; 0, media type non-empty; labels as for content. INVALID_ARGUMENT otherwise.
 */
public interface ImageStore {
  Optional<Image> get(String namespace, String name);

  /**
   * Images matching any of {@code filters} (containerd's syntax: {@code name==...}, {@code
   * labels."k"==v}, {@code target.mediatype~=...}); all when empty. Sorted by name.
   */
  List<Image> list(String namespace, List<String> filters);

  /**
   * @throws StoreException ALREADY_EXISTS if the name is taken
   */
  Image create(String namespace, Image image);

  /**
   * Updates the fields named by {@code fieldPaths} ({@code target}, {@code labels}, {@code
   * labels.<key>}); all mutable fields when empty.
   *
   * @throws StoreException NOT_FOUND if there is no such image
   */
  Image update(String namespace, Image image, List<String> fieldPaths);

  /**
   * @throws StoreException NOT_FOUND if there is no such image
   */
  void delete(String namespace, String name);

  /** One image record to write in {@link #store}: created, or replaced when {@code overwrite}. */
  record Write(Image image, boolean overwrite) {}

  /**
   * Writes several image records in one metadata transaction: all of them or none (an import's
   * images, a pull's name and its digest reference).
   *
   * @return the records as stored
   * @throws StoreException ALREADY_EXISTS if a name is taken and its write does not overwrite
   */
  List<Image> store(String namespace, List<Write> writes);
}
