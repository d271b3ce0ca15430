package dev.transferd.ttrpc;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The socket file's life: a stale file is replaced only when nothing answers on it; a new socket is
 * bound under a temporary name, given its mode, then renamed into place, so no client ever sees it
 * with the wrong permissions. Public so that every transport of a process (ttrpc, gRPC) treats its
 * socket files the same way.
 */
public final class SocketFile {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  // sun_path is 108 bytes including the terminating NUL.
  private static final int MAX_PATH_BYTES = 107;

  private SocketFile() {}

  /** Removes a socket file no live server answers on; refuses a live one or a non-socket. */
  public static void removeIfStale(Path socket) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new FileAlreadyExistsException(socket.toString(), null, "exists and is not a socket");
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      throw new FileAlreadyExistsException(
          socket.toString(), null, "a server is already listening on it");
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException refused) {
      Files.deleteIfExists(socket);
    }
  }

  /** Where to bind before the rename; null if the temporary name would not fit in sun_path. */
  public static Path temporaryName(Path socket) {
    Path tmp =
        socket.resolveSibling("." + socket.getFileName() + "." + ProcessHandle.current().pid());
    return tmp.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_PATH_BYTES
        ? tmp
        : null;
  }

  public static void checkLength(Path socket) {
    if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "socket path is longer than " + MAX_PATH_BYTES + " bytes: " + socket);
    }
  }

  public static void publish(Path bound, Path socket, Set<PosixFilePermission> mode)
      throws IOException {
    Files.setPosixFilePermissions(bound, mode);
    if (!bound.equals(socket)) {
      Files.move(
          bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
