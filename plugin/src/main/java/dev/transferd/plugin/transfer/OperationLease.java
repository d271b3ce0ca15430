package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease an operation writes its blobs under, as containerd's transfer service picks it ({@code
 * withLease}, docs/protocol/transfer.md §1.3, §8.0): the caller's, when the call carried {@code
 * containerd-lease}, which then keeps everything the operation wrote, named or not, until the
 * caller deletes it; otherwise a temporary lease of our own, which protects the blobs from the
 * garbage collector until the image records that make them reachable are stored, expires by itself
 * after 24 hours should the daemon die first, and is deleted on {@link #close}. Closing never
 * touches the caller's lease.
 *
 * <p>Our temporary leases carry {@link #LABEL}, so a daemon starting on a store can tell them from
 * clients' leases: a temporary lease found on start belongs to a transfer of a daemon that died,
 * and {@link OrphanLeases} releases it.
 */
final class OperationLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperationLease.class);
  static final Duration EXPIRY = Duration.ofHours(24);

  /** The label marking a lease as a transfer's own temporary lease (value {@code "true"}). */
  static final String LABEL = "dev.transferd/transfer-lease";

  private final LeaseManager leases;
  private final String namespace;
  private final String id;
  private final boolean temporary;

  private OperationLease(LeaseManager leases, String namespace, String id, boolean temporary) {
    this.leases = leases;
    this.namespace = namespace;
    this.id = id;
    this.temporary = temporary;
  }

  /**
   * The caller's lease of {@code context}, or a new temporary one.
   *
   * @throws StoreException NOT_FOUND naming the lease when the caller's does not exist
   */
  static OperationLease of(TransferContext context, LeaseManager leases, Clock clock) {
    String callers = context.lease();
    if (callers == null) {
      return temporary(leases, context.namespace(), clock);
    }
    List<Lease> found =
        leases.list(context.namespace(), List.of("id==\"" + quoted(callers) + "\""));
    if (found.isEmpty()) {
      throw StoreException.notFound(
          "lease \"" + callers + "\" of the call not found in namespace " + context.namespace());
    }
    return new OperationLease(leases, context.namespace(), callers, false);
  }

  /** A new temporary lease, whatever the caller brought (an export's read guard). */
  static OperationLease temporary(LeaseManager leases, String namespace, Clock clock) {
    String expire =
        DateTimeFormatter.ISO_INSTANT.format(
            clock.instant().plus(EXPIRY).truncatedTo(ChronoUnit.SECONDS));
    String id =
        leases
            .create(namespace, null, Map.of("containerd.io/gc.expire", expire, LABEL, "true"))
            .id();
    return new OperationLease(leases, namespace, id, true);
  }

  String id() {
    return id;
  }

  /** Whether this is the operation's own lease, deleted on close. */
  boolean temporary() {
    return temporary;
  }

  private static String quoted(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public void close() {
    if (!temporary) {
      return;
    }
    try {
      leases.delete(namespace, id);
    } catch (StoreException e) {
      log.warn("could not delete temporary lease {} in {}: {}", id, namespace, e.getMessage());
    }
  }
}
