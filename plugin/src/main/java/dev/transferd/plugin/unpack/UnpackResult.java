package dev.transferd.plugin.unpack;

import java.nio.file.Path;
import java.util.List;

/**
 * What an unpack made.
 *
 * @param dir the directory now holding the tree
 * @param layers how many layers were applied
 * @param skipped metadata an unprivileged unpack could not make (empty as root)
 */
public record UnpackResult(Path dir, int layers, List<String> skipped) {
  public UnpackResult {
    skipped = List.copyOf(skipped);
  }
}
