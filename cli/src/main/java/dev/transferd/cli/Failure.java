package dev.transferd.cli;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;

/**
 * Turns what a command threw into one line on stderr, {@code transferctl: <what failed>: <meaning
 * of the code>: <server message> (try: <hint>)}, and the exit code. Stack traces never reach the
 * user.
 */
final class Failure {
  private Failure() {}

  static int report(Exception e, CommandLine command, Transferctl cli) {
    if (!ExitCodes.brokenPipe(e)) {
      cli.err.println("transferctl: " + describe(e, cli));
    }
    return ExitCodes.of(e);
  }

  static String describe(Throwable e, Transferctl cli) {
    return switch (e) {
      case DaemonUnreachableException d ->
          "daemon unreachable: no transferd answers on "
              + d.socket
              + " (try: start it with 'transferd', or point --address or "
              + Transferctl.ADDRESS_ENV
              + " at its socket)";
      case UsageException u -> u.getMessage() + " (try: --help)";
      case CommandFailedException f -> describe(f.doing, f.getCause(), cli);
      default -> describe("", e, cli);
    };
  }

  private static String describe(String doing, Throwable e, Transferctl cli) {
    String prefix = doing.isEmpty() ? "" : doing + ": ";
    if (e instanceof TtrpcException t) {
      StatusCode code = t.code();
      String message = t.status().message();
      String hint = hint(code, cli);
      return prefix
          + meaning(code)
          + (message.isEmpty() ? "" : ": " + message)
          + (hint.isEmpty() ? "" : " (try: " + hint + ")");
    }
    if (e instanceof IOException io) {
      String what =
          io instanceof FileSystemException || io.getMessage() == null
              ? FileErrors.describe(io)
              : io.getMessage();
      return prefix + what;
    }
    if (e instanceof DaemonUnreachableException d) {
      return prefix + describe(d, cli);
    }
    return prefix + e;
  }

  /** What a status code means to someone at a shell. */
  static String meaning(StatusCode code) {
    return switch (code) {
      case NOT_FOUND -> "not found";
      case ALREADY_EXISTS -> "already exists";
      case UNAUTHENTICATED -> "authentication required";
      case PERMISSION_DENIED -> "permission denied";
      case INVALID_ARGUMENT -> "invalid argument";
      case FAILED_PRECONDITION -> "cannot be done in the current state";
      case UNIMPLEMENTED -> "not supported by this daemon";
      case UNAVAILABLE -> "daemon unavailable";
      case DEADLINE_EXCEEDED -> "timed out";
      case CANCELLED -> "cancelled";
      case RESOURCE_EXHAUSTED -> "out of resources";
      case DATA_LOSS -> "data corrupted";
      case ABORTED -> "aborted";
      case OUT_OF_RANGE -> "out of range";
      case INTERNAL -> "internal daemon error";
      default -> "failed";
    };
  }

  private static String hint(StatusCode code, Transferctl cli) {
    return switch (code) {
      case NOT_FOUND -> "check the name; 'transferctl images ls' lists stored images";
      case ALREADY_EXISTS -> "remove it first or choose another name";
      case UNAUTHENTICATED -> "pass --user USER[:PASSWORD]";
      case PERMISSION_DENIED -> "check the registry user's rights, or the socket's owner and mode";
      case UNIMPLEMENTED -> "update transferd; this client may be newer than the daemon";
      case UNAVAILABLE -> "check that transferd is running on " + cli.socket() + " and see its log";
      case DEADLINE_EXCEEDED -> "retry; the registry or daemon may be slow";
      case INTERNAL, UNKNOWN -> "see the daemon's log";
      default -> "";
    };
  }
}
