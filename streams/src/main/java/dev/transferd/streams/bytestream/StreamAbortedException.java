package dev.transferd.streams.bytestream;

import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;

/**
 * A byte stream that ended with an error rather than a clean end: the peer failed (its abort marker
 * or the server's error status), went away, or the stream was cancelled.
 */
public final class StreamAbortedException extends IOException {
  private final Status status;

  public StreamAbortedException(String message, Status status) {
    super(message + ": " + status);
    this.status = status;
  }

  public StreamAbortedException(String message, Status status, Throwable cause) {
    super(message + ": " + status, cause);
    this.status = status;
  }

  public Status status() {
    return status;
  }

  public StatusCode code() {
    return status.code();
  }
}
