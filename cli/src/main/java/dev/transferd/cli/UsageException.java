package dev.transferd.cli;

/** A command line that parses but makes no sense (e.g. conflicting flags); exits with 2. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
