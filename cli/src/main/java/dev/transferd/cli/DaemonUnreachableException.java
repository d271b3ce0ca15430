package dev.transferd.cli;

import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Path;

/** No daemon answered on the socket. */
final class DaemonUnreachableException extends RuntimeException {
  final Path socket;

  DaemonUnreachableException(Path socket, TtrpcException cause) {
    super("cannot connect to transferd at " + socket + ": " + cause.getMessage(), cause);
    this.socket = socket;
  }
}
