package dev.transferd.ttrpc;

import com.google.protobuf.Any;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * The outcome of a call: a code, a message and optional details, as carried by {@code
 * google.rpc.Status} in a ttrpc Response. Immutable.
 */
public record Status(StatusCode code, String message, List<Any> details) {
  public static final Status OK = new Status(StatusCode.OK, "", List.of());

  public Status {
    Objects.requireNonNull(code, "code");
    message = message == null ? "" : message;
    details = List.copyOf(details);
  }

  public static Status of(StatusCode code, String message) {
    return new Status(code, message, List.of());
  }

  public boolean isOk() {
    return code == StatusCode.OK;
  }

  /** This status as an exception to throw; an OK status cannot be thrown. */
  public TtrpcException asException() {
    return new TtrpcException(this);
  }

  /** This status as an exception, with the local cause that produced it. */
  public TtrpcException asException(Throwable cause) {
    return new TtrpcException(this, cause);
  }

  /**
   * The status a handler's throwable maps to at the RPC edge, following Go ttrpc's {@code
   * convertCode}: a {@link TtrpcException} keeps its status; well-known I/O and concurrency
   * exceptions get their codes; anything else is UNKNOWN with the exception's message.
   */
  public static Status fromThrowable(Throwable t) {
    if (t instanceof TtrpcException e) {
      return e.status();
    }
    String message = t.getMessage() != null ? t.getMessage() : t.toString();
    StatusCode code =
        switch (t) {
          case EOFException ignored -> StatusCode.OUT_OF_RANGE;
          case NoSuchFileException ignored -> StatusCode.NOT_FOUND;
          case FileNotFoundException ignored -> StatusCode.NOT_FOUND;
          case FileAlreadyExistsException ignored -> StatusCode.ALREADY_EXISTS;
          case AccessDeniedException ignored -> StatusCode.PERMISSION_DENIED;
          case SecurityException ignored -> StatusCode.PERMISSION_DENIED;
          case IllegalArgumentException ignored -> StatusCode.INVALID_ARGUMENT;
          case InterruptedException ignored -> StatusCode.CANCELLED;
          case CancellationException ignored -> StatusCode.CANCELLED;
          case TimeoutException ignored -> StatusCode.DEADLINE_EXCEEDED;
          case UnsupportedOperationException ignored -> StatusCode.UNIMPLEMENTED;
          default -> StatusCode.UNKNOWN;
        };
    return of(code, message);
  }

  static Status fromProto(dev.transferd.ttrpc.proto.Status proto) {
    return new Status(StatusCode.of(proto.getCode()), proto.getMessage(), proto.getDetailsList());
  }

  dev.transferd.ttrpc.proto.Status toProto() {
    return dev.transferd.ttrpc.proto.Status.newBuilder()
        .setCode(code.value())
        .setMessage(message)
        .addAllDetails(details)
        .build();
  }

  @Override
  public String toString() {
    return message.isEmpty() ? code.name() : code.name() + ": " + message;
  }
}
