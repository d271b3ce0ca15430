package dev.transferd.plugin.unpack;

import java.io.IOException;

/**
 * A layer that cannot be applied as it is: a hostile or broken entry (a {@code ..} component, a
 * hardlink to nothing inside the tree, a whiteout of {@code ..}), or content whose digest is not
 * the config's diff_id. The message names the layer and the entry; the transfer fails with
 * INVALID_ARGUMENT and the target directory is left as it was.
 */
public final class InvalidLayerException extends IOException {
  public InvalidLayerException(String entry, String problem) {
    super(entry + ": " + problem);
  }

  public InvalidLayerException(String entry, String problem, Throwable cause) {
    super(entry + ": " + problem, cause);
  }
}
