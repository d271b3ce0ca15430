package dev.transferd.cli;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import picocli.CommandLine;

/** The process exit codes, distinct for what a script may want to handle. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int AUTH = 4;
  static final int UNREACHABLE = 5;

  private ExitCodes() {}

  static int of(Throwable t) {
    return switch (t) {
      case CommandLine.ParameterException e -> USAGE;
      case UsageException e -> USAGE;
      case DaemonUnreachableException e -> UNREACHABLE;
      case CommandFailedException e -> of(e.getCause());
      case TtrpcException e -> of(e.code());
      default -> FAILED;
    };
  }

  static int of(StatusCode code) {
    return switch (code) {
      case NOT_FOUND -> NOT_FOUND;
      case UNAUTHENTICATED, PERMISSION_DENIED -> AUTH;
      case UNAVAILABLE -> UNREACHABLE;
      default -> FAILED;
    };
  }
}
