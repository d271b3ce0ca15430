package dev.transferd.plugin.registry;

import dev.transferd.ttrpc.StatusCode;

/**
 * A registry request that failed, with the status code the transfer ends with. The message says
 * what was being done and with which registry; it never holds a credential.
 */
public final class RegistryException extends RuntimeException {
  private final StatusCode code;

  public RegistryException(StatusCode code, String message) {
    super(message);
    this.code = code;
  }

  public RegistryException(StatusCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public StatusCode code() {
    return code;
  }

  /** The status code for an HTTP error status that ended a request. */
  static StatusCode codeForHttp(int status) {
    return switch (status) {
      case 400 -> StatusCode.INVALID_ARGUMENT;
      case 401 -> StatusCode.UNAUTHENTICATED;
      case 403 -> StatusCode.PERMISSION_DENIED;
      case 404 -> StatusCode.NOT_FOUND;
      case 405, 501 -> StatusCode.UNIMPLEMENTED;
      case 408 -> StatusCode.DEADLINE_EXCEEDED;
      case 409 -> StatusCode.ALREADY_EXISTS;
      case 416 -> StatusCode.OUT_OF_RANGE;
      case 429 -> StatusCode.RESOURCE_EXHAUSTED;
      default -> status >= 500 ? StatusCode.UNAVAILABLE : StatusCode.UNKNOWN;
    };
  }
}
