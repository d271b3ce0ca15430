package dev.transferd.cli;

import java.io.IOException;

/**
 * Writing an exported archive to its file or standard output failed (a full disk, {@code
 * /dev/full}, a reader that went away): the archive is cut, so the export fails.
 */
final class ArchiveWriteException extends IOException {
  /** Whether the reader of a pipe went away (EPIPE), as with {@code | head -c 1000}. */
  final boolean brokenPipe;

  ArchiveWriteException(String target, IOException cause) {
    super("cannot write " + target + ": " + FileErrors.reason(cause), cause);
    this.brokenPipe = "Broken pipe".equals(cause.getMessage());
  }
}
