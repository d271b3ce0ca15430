package dev.transferd.cli;

import dev.transferd.streams.client.ImageName;

/** Checks image references typed on the command line against the distribution grammar. */
final class References {
  private References() {}

  /**
   * @throws UsageException naming {@code reference} and what is wrong with it (exit 2)
   */
  static void check(String reference) {
    if (reference.isBlank()) {
      throw new UsageException("an image reference must not be empty");
    }
    try {
      ImageName.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
