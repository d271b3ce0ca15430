package dev.transferd.plugin.unpack;

import dev.transferd.proto.types.Descriptor;

/**
 * Told about each layer as an unpack applies it, on the unpacking thread, in layer order. Must not
 * block for long.
 */
public interface UnpackListener {
  UnpackListener NONE = new UnpackListener() {};

  /** {@code bytes} of the layer's blob (as stored, compressed) have been applied so far. */
  default void applying(Descriptor layer, long bytes) {}

  /** The layer is applied and its diff_id verified. */
  default void applied(Descriptor layer) {}
}
