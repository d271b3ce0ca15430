package dev.transferd.plugin.store;

/**
 * The namespace that holds the blobs of the containerd whose content proxy plugin this store is.
 * containerd's proxy calls carry no namespace (its metadata layer keeps its own namespaces and
 * calls its content store without one), so they all land here; containerd's own garbage collector
 * decides when a blob goes, by deleting it from this namespace. This store's collector therefore
 * keeps every blob recorded here, and what containerd deletes here never touches another
 * namespace's record of the same blob.
 */
public final class ProxyNamespace {
  /** The namespace's name; a valid containerd identifier, so the store's rules accept it. */
  public static final String NAME = "containerd-proxy";

  private ProxyNamespace() {}
}
