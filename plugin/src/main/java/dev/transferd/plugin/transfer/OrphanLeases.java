package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the temporary leases of transfers that no longer exist. Called once when the daemon
 * opens its store, before it serves: no transfer is running then, so every lease labelled {@link
 * OperationLease#LABEL} was left by a daemon that died mid-transfer. Without this it would keep its
 * blobs and ingests for the 24 hours of its {@code containerd.io/gc.expire}. Leases without the
 * label (clients') are never touched.
 */
public final class OrphanLeases {
  private static final Logger log = LoggerFactory.getLogger(OrphanLeases.class);
  private static final List<String> OURS = List.of("labels.\"" + OperationLease.LABEL + "\"");

  private OrphanLeases() {}

  /**
   * Deletes every transfer lease in every namespace of {@code store}.
   *
   * @return how many were deleted
   */
  public static int release(Store store) {
    int released = 0;
    for (String ns : store.namespaces().list()) {
      for (Lease lease : store.leases().list(ns, OURS)) {
        try {
          store.leases().delete(ns, lease.id());
          released++;
          log.info("released lease {} in {} of a transfer that no longer exists", lease.id(), ns);
        } catch (StoreException e) {
          log.warn("could not release lease {} in {}: {}", lease.id(), ns, e.getMessage());
        }
      }
    }
    return released;
  }
}
