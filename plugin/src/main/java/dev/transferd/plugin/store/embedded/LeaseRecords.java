package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Txn;

/**
 * Lease records and their resources in the metadata database, shared by the lease manager, the
 * content store (a writer's lease gets its ingest and then its blob) and the garbage collector.
 * Resource keys are {@code namespace \0 lease \0 type \0 id}.
 */
final class LeaseRecords {
  static final String CONTENT = "content";
  static final String INGESTS = "ingests";
  private static final String SNAPSHOTS_PREFIX = "snapshots/";

  private LeaseRecords() {}

  static void requireLease(MetadataDb db, Txn<byte[]> txn, String namespace, String leaseId) {
    if (db.leases.get(txn, MetadataDb.key(namespace, leaseId)) == null) {
      throw StoreException.notFound(
          "lease \"" + leaseId + "\" not found in namespace " + namespace);
    }
  }

  /** Validates a resource as containerd does: content ids are digests; types are known. */
  static void validate(Lease.Resource resource) {
    if (resource == null || resource.id() == null || resource.id().isEmpty()) {
      throw StoreException.invalidArgument("lease resource id is required");
    }
    if (resource.id().indexOf('\0') >= 0) {
      throw StoreException.invalidArgument("lease resource id must not contain NUL");
    }
    String type = resource.type();
    if (CONTENT.equals(type)) {
      Sha256.hexOf(resource.id());
    } else if (!INGESTS.equals(type)
        && !(type != null && type.startsWith(SNAPSHOTS_PREFIX) && type.length() > 10)) {
      throw StoreException.invalidArgument(
          "unsupported lease resource type \""
              + type
              + "\" (content, ingests or snapshots/<snapshotter>)");
    }
  }

  static void add(MetadataDb db, Txn<byte[]> txn, String ns, String leaseId, Lease.Resource r) {
    db.leaseResources.put(txn, MetadataDb.key(ns, leaseId, r.type(), r.id()), MetadataDb.PRESENT);
  }

  static void remove(MetadataDb db, Txn<byte[]> txn, String ns, String leaseId, Lease.Resource r) {
    db.leaseResources.delete(txn, MetadataDb.key(ns, leaseId, r.type(), r.id()));
  }

  static List<Lease.Resource> resources(MetadataDb db, Txn<byte[]> txn, String ns, String id) {
    List<Lease.Resource> out = new ArrayList<>();
    MetadataDb.forEachWithPrefix(
        db.leaseResources,
        txn,
        MetadataDb.prefix(ns, id),
        (k, v) -> {
          String[] parts = MetadataDb.split(k);
          out.add(new Lease.Resource(parts[3], parts[2]));
        });
    return out;
  }

  /** Removes an ingest ref from every lease of the namespace (after commit or abort). */
  static void forgetIngest(MetadataDb db, Txn<byte[]> txn, String ns, String ref) {
    for (byte[] k : MetadataDb.keysWithPrefix(db.leaseResources, txn, MetadataDb.prefix(ns))) {
      String[] parts = MetadataDb.split(k);
      if (parts[2].equals(INGESTS) && parts[3].equals(ref)) {
        db.leaseResources.delete(txn, k);
      }
    }
  }
}
