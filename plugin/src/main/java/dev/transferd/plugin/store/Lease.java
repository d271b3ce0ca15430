package dev.transferd.plugin.store;

import java.time.Instant;
import java.util.Map;

/**
 * A lease (containerd's {@code leases.Lease}): content and ingests added to it are kept by the
 * garbage collector until it is deleted or expires ({@code containerd.io/gc.expire} label, RFC
 * 3339).
 */
public record Lease(String id, Instant createdAt, Map<String, String> labels) {
  public Lease {
    labels = Map.copyOf(labels);
  }

  /** A resource a lease holds: {@code type} is {@code content} or {@code ingests}. */
  public record Resource(String id, String type) {}
}
