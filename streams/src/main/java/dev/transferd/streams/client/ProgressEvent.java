package dev.transferd.streams.client;

import dev.transferd.proto.types.transfer.Progress;
import java.util.List;
import java.util.Optional;

/**
 * One progress event of a transfer (docs/protocol/transfer.md §6): an event name such as {@code
 * downloading} or {@code Completed import}, the blob or image it concerns, and byte counts where
 * they apply.
 *
 * @param name a blob's ref key, an image name, or empty for status lines
 * @param parents ref keys of the blobs that referenced this one
 * @param descriptor the blob or image, when the server reports it
 */
public record ProgressEvent(
    String event,
    String name,
    List<String> parents,
    long progress,
    long total,
    Optional<ContentDescriptor> descriptor) {
  public ProgressEvent {
    parents = List.copyOf(parents);
  }

  static ProgressEvent fromProto(Progress p) {
    return new ProgressEvent(
        p.getEvent(),
        p.getName(),
        p.getParentsList(),
        p.getProgress(),
        p.getTotal(),
        p.hasDesc() ? Optional.of(ContentDescriptor.fromProto(p.getDesc())) : Optional.empty());
  }
}
