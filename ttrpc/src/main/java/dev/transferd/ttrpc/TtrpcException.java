package dev.transferd.ttrpc;

/**
 * A call that ended with a non-OK {@link Status}: returned by the peer, or produced locally (a
 * deadline that passed, a connection that closed, a message over the size limit).
 */
public final class TtrpcException extends RuntimeException {
  private final Status status;

  public TtrpcException(Status status) {
    this(status, null);
  }

  public TtrpcException(Status status, Throwable cause) {
    super(status.toString(), cause);
    if (status.isOk()) {
      throw new IllegalArgumentException("an OK status is not an error");
    }
    this.status = status;
  }

  public TtrpcException(StatusCode code, String message) {
    this(Status.of(code, message));
  }

  public Status status() {
    return status;
  }

  public StatusCode code() {
    return status.code();
  }
}
