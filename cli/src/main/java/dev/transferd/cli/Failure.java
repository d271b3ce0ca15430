package dev.transferd.cli;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
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
    return ExitCodes.of(e, cli.socket());
  }

  static String describe(Throwable e, Transferctl cli) {
    return switch (e) {
      case DaemonUnreachableException d when Unavailability.deniedAccess(d) ->
          "permission denied: cannot connect to "
              + d.socket
              + " as uid "
              + DefaultSocket.uid()
              + " (try: ask for access to the socket; transferd's [ttrpc] gid and mode decide who"
              + " may connect)";
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
    if (e instanceof TtrpcException t && t.code() == StatusCode.UNAVAILABLE) {
      return prefix + unavailable(t, cli);
    }
    if (e instanceof TtrpcException t) {
      StatusCode code = t.code();
      String message = t.status().message();
      String hint = hint(code, message, doing);
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

  /** An UNAVAILABLE, naming who was unavailable: the daemon, its socket's access, a registry. */
  private static String unavailable(TtrpcException t, Transferctl cli) {
    String message = t.status().message();
    Path socket = cli.socket();
    return switch (Unavailability.of(t, socket)) {
      case DAEMON ->
          "daemon unavailable: "
              + message
              + " (try: check that transferd is running on "
              + socket
              + " and see its log)";
      case PERMISSION ->
          "permission denied: transferd on "
              + socket
              + " closed the connection without answering; it serves only its own user unless"
              + " its socket is given a uid or gid (try: run as the daemon's user, or set [ttrpc]"
              + " gid and mode in its configuration)";
      case REMOTE ->
          "unavailable: "
              + message
              + " (try: transferd is running, but what it reached for is not; check that the"
              + " registry is up and reachable from the daemon's machine, then retry)";
    };
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
      case UNAVAILABLE -> "unavailable";
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

  /** What to try, fitted to what failed: the command ({@code doing}) and the daemon's message. */
  private static String hint(StatusCode code, String message, String doing) {
    boolean fromRegistry = doing.startsWith("pull ") || doing.startsWith("copy ");
    return switch (code) {
      case NOT_FOUND ->
          fromRegistry
              ? "check the repository and tag; the registry has no such image"
              : "check the name; 'transferctl images ls' lists stored images";
      case ALREADY_EXISTS -> "remove it first or choose another name";
      case UNAUTHENTICATED ->
          message.contains("rejected the credentials")
              ? "check the user name and password given with --user"
              : "pass --user USER[:PASSWORD]";
      case PERMISSION_DENIED -> "check the registry user's rights, or the socket's owner and mode";
      case FAILED_PRECONDITION ->
          message.contains("TLS certificate")
              ? "trust the registry's CA with a hosts.toml (ca = \"ca.crt\") in --hosts-dir, or"
                  + " pass --plain-http for a registry that speaks only HTTP"
              : "";
      case UNIMPLEMENTED -> "update transferd; this client may be newer than the daemon";
      case DEADLINE_EXCEEDED -> "retry; the registry or daemon may be slow";
      case INTERNAL, UNKNOWN -> "see the daemon's log";
      default -> "";
    };
  }
}
