package dev.transferd.plugin.store;

import java.util.List;
import java.util.Map;

/**
 * The store's namespaces and their labels (containerd's {@code namespaces.Store}). A namespace
 * comes into being when created here or when something is first stored in it. Names follow
 * containerd's identifier rules (INVALID_ARGUMENT otherwise); labels its label rules.
 */
public interface NamespaceStore {
  /** Every namespace, sorted by name. */
  List<String> list();

  /** The namespace's labels; none for a namespace that does not exist, as in containerd. */
  Map<String, String> labels(String name);

  /**
   * @throws StoreException ALREADY_EXISTS when the namespace is there
   */
  void create(String name, Map<String, String> labels);

  /** Sets one label, or removes it when {@code value} is empty; creates the namespace if needed. */
  default void setLabel(String name, String key, String value) {
    setLabels(name, Map.of(key, value == null ? "" : value));
  }

  /**
   * Sets each label of {@code changes} (removes those whose value is empty) in one step: all or, on
   * an invalid label, none. Creates the namespace if needed.
   */
  void setLabels(String name, Map<String, String> changes);

  /**
   * @throws StoreException NOT_FOUND when there is no such namespace; FAILED_PRECONDITION naming
   *     what it still holds (images, blobs, leases, ingests) when it is not empty
   */
  void delete(String name);
}
