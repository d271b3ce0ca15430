package dev.transferd.cli;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Path;
import picocli.CommandLine;

/** The process exit codes, distinct for what a script may want to handle. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int AUTH = 4;
  static final int UNREACHABLE = 5;

  /**
   * A reader of standard output went away (EPIPE): what a shell reports for a writer that SIGPIPE
   * ended (128 + 13), and, as for such a writer, nothing is printed.
   */
  static final int BROKEN_PIPE = 141;

  private ExitCodes() {}

  /** The exit code for what a command threw; {@code socket} is the daemon's, to judge access. */
  static int of(Throwable t, Path socket) {
    if (brokenPipe(t)) {
      return BROKEN_PIPE;
    }
    return switch (t) {
      case CommandLine.ParameterException e -> USAGE;
      case UsageException e -> USAGE;
      case DaemonUnreachableException e -> Unavailability.deniedAccess(e) ? AUTH : UNREACHABLE;
      case CommandFailedException e -> of(e.getCause(), socket);
      case TtrpcException e when e.code() == StatusCode.UNAVAILABLE ->
          switch (Unavailability.of(e, socket)) {
            case DAEMON -> UNREACHABLE;
            case PERMISSION -> AUTH;
            case REMOTE -> FAILED;
          };
      case TtrpcException e -> of(e.code());
      default -> FAILED;
    };
  }

  /** Whether {@code t} or one of its causes is an archive write that met a closed pipe. */
  static boolean brokenPipe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ArchiveWriteException w && w.brokenPipe) {
        return true;
      }
    }
    return false;
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
