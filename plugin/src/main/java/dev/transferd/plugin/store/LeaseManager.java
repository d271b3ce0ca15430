package dev.transferd.plugin.store;

import java.util.List;
import java.util.Map;

/** Leases per namespace. */
public interface LeaseManager {
  /**
   * Creates a lease; {@code id} null means a generated one.
   *
   * @throws StoreException ALREADY_EXISTS if the id is taken
   */
  Lease create(String namespace, String id, Map<String, String> labels);

  /**
   * @throws StoreException NOT_FOUND if there is no such lease
   */
  void delete(String namespace, String id);

  List<Lease> list(String namespace, List<String> filters);

  void addResource(String namespace, String leaseId, Lease.Resource resource);

  void deleteResource(String namespace, String leaseId, Lease.Resource resource);

  List<Lease.Resource> listResources(String namespace, String leaseId);
}
