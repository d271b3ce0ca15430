package dev.transferd.plugin.unpack;

import java.io.IOException;
import java.nio.file.Path;

/** Deletes trees in tests the way the applier does (never following a symlink). */
final class LayerApplierTestSupport {
  private LayerApplierTestSupport() {}

  static void deleteTree(Path p) throws IOException {
    LayerApplier.deleteTree(p, TreeRoot.lstat(p));
  }
}
