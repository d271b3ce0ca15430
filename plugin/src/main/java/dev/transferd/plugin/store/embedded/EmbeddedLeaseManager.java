package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.Filter;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.StoreException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmdbjava.Txn;

/** Leases per namespace in the metadata database. Thread-safe. */
final class EmbeddedLeaseManager implements LeaseManager {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final MetadataDb db;
  private final Runnable afterDelete;

  EmbeddedLeaseManager(MetadataDb db, Runnable afterDelete) {
    this.db = db;
    this.afterDelete = afterDelete;
  }

  @Override
  public Lease create(String namespace, String id, Map<String, String> labels) {
    NamespaceRules.require(namespace);
    String leaseId = id == null || id.isEmpty() ? generateId() : id;
    requireId(leaseId);
    LabelRules.validate(labels, "lease \"" + leaseId + "\"");
    Lease lease = new Lease(leaseId, Instant.now(), labels);
    return db.write(
        txn -> {
          byte[] k = MetadataDb.key(namespace, leaseId);
          if (db.leases.get(txn, k) != null) {
            throw StoreException.alreadyExists(
                "lease \"" + leaseId + "\" already exists in namespace " + namespace);
          }
          db.touchNamespace(txn, namespace);
          db.leases.put(txn, k, RecordCodec.encode(lease));
          return lease;
        });
  }

  /** A time-ordered, random id like containerd's generated ones. */
  private static String generateId() {
    byte[] random = new byte[6];
    RANDOM.nextBytes(random);
    return System.currentTimeMillis() + "-" + HexFormat.of().formatHex(random);
  }

  @Override
  public void delete(String namespace, String id) {
    NamespaceRules.require(namespace);
    requireId(id);
    db.write(
        txn -> {
          if (!db.leases.delete(txn, MetadataDb.key(namespace, id))) {
            throw notFound(namespace, id);
          }
          for (byte[] k :
              MetadataDb.keysWithPrefix(db.leaseResources, txn, MetadataDb.prefix(namespace, id))) {
            db.leaseResources.delete(txn, k);
          }
          return null;
        });
    afterDelete.run();
  }

  @Override
  public List<Lease> list(String namespace, List<String> filters) {
    NamespaceRules.require(namespace);
    Filter filter = Filter.parseAny(filters);
    List<byte[]> values =
        db.read(txn -> MetadataDb.valuesWithPrefix(db.leases, txn, MetadataDb.prefix(namespace)));
    List<Lease> out = new ArrayList<>();
    for (byte[] v : values) {
      Lease lease = RecordCodec.decodeLease(v);
      if (filter.matches(path -> leaseField(lease, path))) {
        out.add(lease);
      }
    }
    out.sort(Comparator.comparing(Lease::id));
    return out;
  }

  private static Optional<String> leaseField(Lease lease, List<String> path) {
    return switch (path.getFirst()) {
      case "id" -> path.size() == 1 ? Optional.of(lease.id()) : Optional.empty();
      case "labels" -> Filter.Fields.label(lease.labels(), path.subList(1, path.size()));
      default -> Optional.empty();
    };
  }

  @Override
  public void addResource(String namespace, String leaseId, Lease.Resource resource) {
    changeResource(namespace, leaseId, resource, LeaseRecords::add);
  }

  @Override
  public void deleteResource(String namespace, String leaseId, Lease.Resource resource) {
    changeResource(namespace, leaseId, resource, LeaseRecords::remove);
    afterDelete.run();
  }

  /** A change to one lease's resources, made in the transaction that found the lease. */
  @FunctionalInterface
  private interface ResourceChange {
    void apply(
        MetadataDb db, Txn<byte[]> txn, String namespace, String leaseId, Lease.Resource resource);
  }

  /** Validates the arguments, then applies {@code change} if the lease exists (else NOT_FOUND). */
  private void changeResource(
      String namespace, String leaseId, Lease.Resource resource, ResourceChange change) {
    NamespaceRules.require(namespace);
    requireId(leaseId);
    LeaseRecords.validate(resource);
    db.write(
        txn -> {
          LeaseRecords.requireLease(db, txn, namespace, leaseId);
          change.apply(db, txn, namespace, leaseId, resource);
          return null;
        });
  }

  @Override
  public List<Lease.Resource> listResources(String namespace, String leaseId) {
    NamespaceRules.require(namespace);
    requireId(leaseId);
    return db.read(
        txn -> {
          LeaseRecords.requireLease(db, txn, namespace, leaseId);
          return LeaseRecords.resources(db, txn, namespace, leaseId);
        });
  }

  private static void requireId(String id) {
    if (id == null || id.isEmpty()) {
      throw StoreException.invalidArgument("lease id is required");
    }
    if (id.indexOf('\0') >= 0) {
      throw StoreException.invalidArgument("lease id must not contain NUL");
    }
  }

  private static StoreException notFound(String namespace, String id) {
    return StoreException.notFound("lease \"" + id + "\" not found in namespace " + namespace);
  }
}
