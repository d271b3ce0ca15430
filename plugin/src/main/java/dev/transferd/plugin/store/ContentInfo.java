package dev.transferd.plugin.store;

import java.time.Instant;
import java.util.Map;

/**
 * What the store knows of one blob in one namespace (containerd's {@code content.Info}). Labels are
 * the only mutable part.
 */
public record ContentInfo(
    String digest, long size, Instant createdAt, Instant updatedAt, Map<String, String> labels) {
  public ContentInfo {
    labels = Map.copyOf(labels);
  }
}
