package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.InvalidArchiveException;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.streams.bytestream.StreamAbortedException;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import java.io.InterruptedIOException;

/** The status a failed transfer ends with (STYLE rule 7: one error currency at the edge). */
final class TransferErrors {
  private TransferErrors() {}

  static Status statusOf(Throwable t) {
    return switch (t) {
      case StreamAbortedException e -> Status.of(e.code(), e.getMessage());
      case StoreException e -> Status.of(e.code(), e.getMessage());
      case dev.transferd.plugin.registry.RegistryException e -> Status.of(e.code(), e.getMessage());
      case InvalidArchiveException e ->
          Status.of(StatusCode.INVALID_ARGUMENT, "import: " + e.getMessage());
      case dev.transferd.plugin.unpack.InvalidLayerException e ->
          Status.of(StatusCode.INVALID_ARGUMENT, "unpack: " + e.getMessage());
      case InterruptedException e -> Status.of(StatusCode.CANCELLED, "transfer interrupted");
      case InterruptedIOException e -> Status.of(StatusCode.CANCELLED, "transfer interrupted");
      default -> Status.fromThrowable(t);
    };
  }

  /** {@code t}'s status with {@code doing} in front of its message. */
  static Status statusOf(String doing, Throwable t) {
    Status s = statusOf(t);
    return Status.of(s.code(), doing + ": " + s.message());
  }
}
