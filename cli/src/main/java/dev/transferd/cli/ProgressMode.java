package dev.transferd.cli;

/** How transfers show progress ({@code --progress}). */
enum ProgressMode {
  /** A live table on a terminal, plain lines otherwise. */
  auto,
  /** The live table, redrawn in place with ANSI escapes. */
  tty,
  /** One line per state change, for logs and pipes. */
  plain,
  /** Nothing but errors. */
  none
}
