package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease an operation runs under when the caller brought none (spec §8.0): it protects the blobs
 * written so far from the garbage collector until the image records that make them reachable are
 * stored, and expires by itself after 24 hours should the daemon die first. Closing deletes it;
 * whatever no image reaches is then the collector's.
 */
final class TemporaryLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TemporaryLease.class);
  static final Duration EXPIRY = Duration.ofHours(24);

  private final LeaseManager leases;
  private final String namespace;
  private final String id;

  private TemporaryLease(LeaseManager leases, String namespace, String id) {
    this.leases = leases;
    this.namespace = namespace;
    this.id = id;
  }

  static TemporaryLease create(LeaseManager leases, String namespace, Clock clock) {
    String expire =
        DateTimeFormatter.ISO_INSTANT.format(
            clock.instant().plus(EXPIRY).truncatedTo(ChronoUnit.SECONDS));
    String id = leases.create(namespace, null, Map.of("containerd.io/gc.expire", expire)).id();
    return new TemporaryLease(leases, namespace, id);
  }

  String id() {
    return id;
  }

  @Override
  public void close() {
    try {
      leases.delete(namespace, id);
    } catch (StoreException e) {
      log.warn("could not delete temporary lease {} in {}: {}", id, namespace, e.getMessage());
    }
  }
}
