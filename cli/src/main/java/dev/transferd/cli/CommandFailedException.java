package dev.transferd.cli;

/** A failure with what the command was doing, e.g. {@code pull docker.io/library/alpine:3.20}. */
final class CommandFailedException extends RuntimeException {
  final String doing;

  CommandFailedException(String doing, Throwable cause) {
    super(doing + ": " + cause.getMessage(), cause);
    this.doing = doing;
  }
}
