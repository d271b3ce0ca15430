package dev.transferd.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Whether standard output is an interactive terminal that understands ANSI escapes. */
final class Terminal {
  private Terminal() {}

  static boolean isInteractive(Map<String, String> env) {
    if ("dumb".equals(env.get("TERM"))) {
      return false;
    }
    Console console = System.console();
    if (console == null) {
      return false;
    }
    // Since JDK 22 System.console() exists even when redirected; isTerminal() tells the truth.
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /**
   * Whether file descriptor 1 is a terminal: what {@code /proc/self/fd/1} links to names a tty
   * device. (System.console() answers for stdin and stdout together.)
   */
  static boolean isStdout() {
    try {
      return isTerminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/1")));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Whether {@code device} (a resolved path) names a terminal: a pty, a tty or the console. */
  static boolean isTerminalDevice(Path device) {
    String name = device.toString();
    return name.startsWith("/dev/pts/")
        || name.startsWith("/dev/tty")
        || name.equals("/dev/console");
  }

  /** The terminal's width from COLUMNS, else 100. */
  static int width(Map<String, String> env) {
    try {
      int columns = Integer.parseInt(env.getOrDefault("COLUMNS", ""));
      return Math.max(40, columns);
    } catch (NumberFormatException e) {
      return 100;
    }
  }
}
