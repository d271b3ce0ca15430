package dev.transferd.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where {@code export} writes its archive, decided by what FILE is, so that nothing that is not a
 * regular file is ever replaced and nothing partial is left behind as if it were whole:
 *
 * <ul>
 *   <li>{@code -}: standard output, refused when it is a terminal (as {@code docker save} does);
 *   <li>a new name or a regular file: a hidden {@code .NAME.partial} beside it, renamed over it
 *       only once the archive is complete, removed on failure and on Ctrl-C (a shutdown hook);
 *   <li>an existing FIFO or device (e.g. {@code /dev/stdout}): written into, never replaced;
 *   <li>a symbolic link: followed, the rules above applying to the file it names; a link to nothing
 *       is refused rather than replaced;
 *   <li>a directory or a socket: refused.
 * </ul>
 *
 * Every write error names the target and fails the export. Used by one thread; {@link #commit} and
 * the shutdown hook exclude each other.
 */
final class ArchiveTarget implements AutoCloseable {
  private final String shown;
  private final OutputStream stream;
  private final Path partial; // null when written in place
  private final Path target;
  private final boolean owned; // false for standard output, which stays open
  private final Thread cleanup; // removes the partial file on Ctrl-C; null when written in place
  private boolean settled; // guarded by this

  private ArchiveTarget(String shown, OutputStream raw, boolean owned, Path partial, Path target) {
    this.shown = shown;
    this.stream = new Reporting(raw, shown);
    this.owned = owned;
    this.partial = partial;
    this.target = target;
    this.cleanup = partial == null ? null : new Thread(this::abandon, "export-cleanup");
    if (cleanup != null) {
      Runtime.getRuntime().addShutdownHook(cleanup);
    }
  }

  /**
   * Opens the target {@code file} names ({@code -} for standard output).
   *
   * @throws UsageException when {@code file} must not be written: a terminal, a directory, a
   *     socket, a dangling symbolic link
   * @throws IOException when it cannot be created or opened
   */
  static ArchiveTarget open(String file, Transferctl cli) throws IOException {
    if (file.equals("-")) {
      if (cli.dataIsTerminal) {
        throw new UsageException(
            "refusing to write an archive to a terminal; redirect standard output or name a FILE");
      }
      return new ArchiveTarget("standard output", cli.data, false, null, null);
    }
    Path given = Path.of(file).toAbsolutePath();
    Path target = given;
    if (Files.isSymbolicLink(given)) {
      if (!Files.exists(given)) {
        throw new UsageException(
            file + " is a symbolic link to nothing (" + Files.readSymbolicLink(given) + ")");
      }
      target = given.toRealPath();
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      BasicFileAttributes a =
          Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isDirectory()) {
        throw new UsageException(file + " is a directory");
      }
      if (!a.isRegularFile()) {
        if (Files.getAttribute(target, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer m
            && (m & 0170000) == 0140000) {
          throw new UsageException(file + " is a socket");
        }
        if (Terminal.isTerminalDevice(target)) {
          throw new UsageException(
              "refusing to write an archive to a terminal (" + target + "); name a file instead");
        }
        // A FIFO or a device: written into as it is, e.g. /dev/stdout or a named pipe.
        return new ArchiveTarget(
            file, Files.newOutputStream(target, StandardOpenOption.WRITE), true, null, null);
      }
    }
    Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
    OutputStream out;
    try {
      out = Files.newOutputStream(partial);
    } catch (IOException e) {
      throw new IOException("cannot create " + FileErrors.describe(e), e);
    }
    return new ArchiveTarget(file, out, true, partial, target);
  }

  /** Where the archive bytes go; its write errors are {@link ArchiveWriteException}s. */
  OutputStream stream() {
    return stream;
  }

  /** How messages name the target: the FILE as given, or "standard output". */
  String shown() {
    return shown;
  }

  /** The archive is complete: flushes and closes it and, for a regular file, moves it in place. */
  void commit() throws IOException {
    stream.flush();
    if (partial == null) {
      return;
    }
    stream.close(); // the file system may report a full disk only now
    synchronized (this) {
      if (settled) {
        throw new IOException("interrupted before " + shown + " was complete");
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      settled = true;
    }
  }

  /** Closes the target; a partial file not committed is removed. */
  @Override
  public void close() {
    if (owned) {
      try {
        stream.close();
      } catch (IOException e) {
        // the archive has failed already, or was committed and closed
      }
    }
    if (partial != null) {
      abandon();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs anyway and finds the file gone
      }
    }
  }

  private synchronized void abandon() {
    if (!settled) {
      settled = true;
      deleteQuietly(partial);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // nothing more can be done on the way out
    }
  }

  /** Turns each write error into an {@link ArchiveWriteException} naming the target. */
  private static final class Reporting extends FilterOutputStream {
    private final String shown;

    Reporting(OutputStream out, String shown) {
      super(out);
      this.shown = shown;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new ArchiveWriteException(shown, e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new ArchiveWriteException(shown, e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw new ArchiveWriteException(shown, e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } catch (ArchiveWriteException e) {
        throw e;
      } catch (IOException e) {
        throw new ArchiveWriteException(shown, e);
      }
    }
  }
}
