package dev.transferd.plugin.store;

import dev.transferd.proto.types.Descriptor;
import java.time.Instant;
import java.util.Map;

/**
 * A named image in a namespace (containerd's {@code images.Image}). Times are set by the store;
 * callers creating an image may pass {@code null} for them.
 */
public record Image(
    String name,
    Descriptor target,
    Map<String, String> labels,
    Instant createdAt,
    Instant updatedAt) {
  public Image {
    labels = Map.copyOf(labels);
  }

  public static Image of(String name, Descriptor target) {
    return new Image(name, target, Map.of(), null, null);
  }
}
