package dev.transferd.plugin.archive;

import java.io.IOException;

/**
 * An archive that cannot be imported as it is: a hostile or broken entry, a digest that does not
 * match, a layout we do not know. The message names the file inside the archive (or {@code archive}
 * for the tar as a whole) and the problem; the transfer fails with INVALID_ARGUMENT.
 */
public final class InvalidArchiveException extends IOException {
  public InvalidArchiveException(String file, String problem) {
    super(file + ": " + problem);
  }

  public InvalidArchiveException(String file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
