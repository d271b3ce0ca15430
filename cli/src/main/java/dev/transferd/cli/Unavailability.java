package dev.transferd.cli;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Who an UNAVAILABLE came from. The ttrpc client's own failures (the connection could not be made,
 * or closed) start with {@code "ttrpc: "}; every other UNAVAILABLE was sent by a daemon that is
 * running, about something behind it (a registry down, a TLS handshake that failed). A connection
 * the daemon closes before answering, on a socket another user owns, is its peer-credential check
 * refusing us: ttrpc servers close such connections without a word.
 */
enum Unavailability {
  /** The daemon cannot be reached: exit 5. */
  DAEMON,
  /** The socket or the daemon refuses this user: exit 4. */
  PERMISSION,
  /** The daemon answered; what it depends on (a registry) is unavailable: exit 1. */
  REMOTE;

  static Unavailability of(TtrpcException e, Path socket) {
    if (e.code() != StatusCode.UNAVAILABLE) {
      throw new IllegalArgumentException("not UNAVAILABLE: " + e.code());
    }
    String message = e.status().message();
    if (!message.startsWith("ttrpc: ")) {
      return REMOTE;
    }
    // closed or reset: either way the daemon dropped the connection without answering
    boolean dropped = message.startsWith("ttrpc: connection to ");
    if (deniedAccess(e) || (dropped && ownedByAnother(socket))) {
      return PERMISSION;
    }
    return DAEMON;
  }

  /** Whether connecting failed with EACCES (the socket file's mode or directory keep us out). */
  static boolean deniedAccess(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof java.nio.file.AccessDeniedException
          || (c.getMessage() != null && c.getMessage().contains("Permission denied"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code socket} belongs to a user other than this process's (and we are not root). */
  static boolean ownedByAnother(Path socket) {
    int us = DefaultSocket.uid();
    if (us == 0) {
      return false;
    }
    try {
      Object owner = Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      return owner instanceof Integer uid && uid != us;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
