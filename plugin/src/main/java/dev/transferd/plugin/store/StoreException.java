package dev.transferd.plugin.store;

import dev.transferd.ttrpc.StatusCode;

/**
 * A store operation refused or failed, with the status code containerd's errdefs would give it
 * (NOT_FOUND, ALREADY_EXISTS, UNAVAILABLE, FAILED_PRECONDITION, INVALID_ARGUMENT, ...). The message
 * names the object (digest, ref, image name, lease id).
 */
public final class StoreException extends RuntimeException {
  private final StatusCode code;

  public StoreException(StatusCode code, String message) {
    super(message);
    this.code = code;
  }

  public StoreException(StatusCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public StatusCode code() {
    return code;
  }

  public static StoreException notFound(String message) {
    return new StoreException(StatusCode.NOT_FOUND, message);
  }

  public static StoreException alreadyExists(String message) {
    return new StoreException(StatusCode.ALREADY_EXISTS, message);
  }

  public static StoreException unavailable(String message) {
    return new StoreException(StatusCode.UNAVAILABLE, message);
  }

  public static StoreException failedPrecondition(String message) {
    return new StoreException(StatusCode.FAILED_PRECONDITION, message);
  }

  public static StoreException invalidArgument(String message) {
    return new StoreException(StatusCode.INVALID_ARGUMENT, message);
  }

  /** True when {@code t} is a store error with {@code code}. */
  public static boolean is(Throwable t, StatusCode code) {
    return t instanceof StoreException e && e.code == code;
  }
}
