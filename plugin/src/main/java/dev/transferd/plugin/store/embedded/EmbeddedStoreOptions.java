package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentSharingPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link EmbeddedStore}.
 *
 * @param staleIngestAge an ingest untouched this long, and held by no lease or writer, is removed
 *     by the garbage collector (containerd: 24 h)
 * @param gcInterval how often the collector runs on its own; {@link Duration#ZERO} for never
 * @param gcDelayAfterDelete how long after a delete the collector runs; deletes within this delay
 *     share one run; {@link Duration#ZERO} for no collection after deletes
 * @param metadataMapSize the largest the metadata database may grow, in bytes (LMDB's map size;
 *     address space only, the file grows as needed)
 * @param contentSharing whether a namespace may take another's blob without its bytes (containerd's
 *     {@code content_sharing_policy}, shared by default)
 */
public record EmbeddedStoreOptions(
    Duration staleIngestAge,
    Duration gcInterval,
    Duration gcDelayAfterDelete,
    long metadataMapSize,
    ContentSharingPolicy contentSharing) {
  public EmbeddedStoreOptions {
    Objects.requireNonNull(staleIngestAge, "staleIngestAge");
    Objects.requireNonNull(contentSharing, "contentSharing");
    Objects.requireNonNull(gcInterval, "gcInterval");
    Objects.requireNonNull(gcDelayAfterDelete, "gcDelayAfterDelete");
    if (staleIngestAge.isNegative() || gcInterval.isNegative() || gcDelayAfterDelete.isNegative()) {
      throw new IllegalArgumentException("store durations must not be negative");
    }
    if (metadataMapSize < (1 << 20)) {
      throw new IllegalArgumentException("metadataMapSize must be at least 1 MiB");
    }
  }

  /** The options with containerd's default sharing policy, {@link ContentSharingPolicy#SHARED}. */
  public EmbeddedStoreOptions(
      Duration staleIngestAge,
      Duration gcInterval,
      Duration gcDelayAfterDelete,
      long metadataMapSize) {
    this(
        staleIngestAge,
        gcInterval,
        gcDelayAfterDelete,
        metadataMapSize,
        ContentSharingPolicy.SHARED);
  }

  /**
   * 24 h stale ingests, a collection every hour and one second after deletes, 4 GiB metadata,
   * shared content.
   */
  public static EmbeddedStoreOptions defaults() {
    return new EmbeddedStoreOptions(
        Duration.ofHours(24), Duration.ofHours(1), Duration.ofSeconds(1), 4L << 30);
  }

  public EmbeddedStoreOptions withContentSharing(ContentSharingPolicy policy) {
    return new EmbeddedStoreOptions(
        staleIngestAge, gcInterval, gcDelayAfterDelete, metadataMapSize, policy);
  }

  public EmbeddedStoreOptions withStaleIngestAge(Duration age) {
    return new EmbeddedStoreOptions(
        age, gcInterval, gcDelayAfterDelete, metadataMapSize, contentSharing);
  }

  public EmbeddedStoreOptions withGcInterval(Duration interval) {
    return new EmbeddedStoreOptions(
        staleIngestAge, interval, gcDelayAfterDelete, metadataMapSize, contentSharing);
  }

  public EmbeddedStoreOptions withGcDelayAfterDelete(Duration delay) {
    return new EmbeddedStoreOptions(
        staleIngestAge, gcInterval, delay, metadataMapSize, contentSharing);
  }
}
