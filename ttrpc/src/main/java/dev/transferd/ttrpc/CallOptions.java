package dev.transferd.ttrpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call settings a client sends: a timeout (sent as {@code timeout_nano}, relative, as Go does
 * to avoid clock skew) and metadata. Unlike Go, both are sent on streams too (Go ttrpc #159).
 *
 * @param timeout how long the call may take; {@code null} for no deadline
 */
public record CallOptions(Duration timeout, Metadata metadata) {
  public static final CallOptions DEFAULT = new CallOptions(null, Metadata.empty());

  public CallOptions {
    Objects.requireNonNull(metadata, "metadata");
  }

  public CallOptions withTimeout(Duration timeout) {
    return new CallOptions(timeout, metadata);
  }

  public CallOptions withMetadata(Metadata metadata) {
    return new CallOptions(timeout, metadata);
  }

  /** These options with one more metadata value. */
  public CallOptions withMetadata(String key, String value) {
    return new CallOptions(timeout, metadata.toBuilder().add(key, value).build());
  }
}
