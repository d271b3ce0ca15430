package dev.transferd.plugin.unpack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import jnr.constants.platform.Errno;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.POSIXHandler;

/**
 * The file system calls an unpack needs and the JDK lacks: {@code lchown}, {@code chmod} with the
 * setuid, setgid and sticky bits, {@code utimensat} without following (times of a symlink itself),
 * {@code mknod}, {@code mkfifo} and {@code lsetxattr}. jnr-posix provides the first ones; {@code
 * mknod} and the xattr calls, which it does not bind, go through jnr-ffi (the library under
 * jnr-posix) directly. Every failure is an {@link IOException} naming the call, the path and the
 * errno. Thread-safe.
 */
final class NativeFiles {
  /** The libc calls jnr-posix does not bind. */
  public interface LibC {
    @SaveError
    int mknod(String path, int mode, long dev);

    @SaveError
    int lsetxattr(String path, String name, byte[] value, long size, int flags);

    @SaveError
    long llistxattr(String path, byte[] list, long size);

    @SaveError
    long lgetxattr(String path, String name, byte[] value, long size);
  }

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFBLK = 0060000;

  private static final NativeFiles INSTANCE = new NativeFiles();

  private final POSIX posix = POSIXFactory.getNativePOSIX(new Handler());
  private final LibC libc = LibraryLoader.create(LibC.class).load("c");
  private final Runtime runtime = Runtime.getRuntime(libc);

  private NativeFiles() {}

  static NativeFiles get() {
    return INSTANCE;
  }

  private static final int CAP_CHOWN = 0;
  private static final int CAP_MKNOD = 27;
  private static final int CAP_SETFCAP = 31;

  /**
   * Whether this process may give files any owner, make device nodes and set {@code
   * security.capability}: it holds CAP_CHOWN, CAP_MKNOD and CAP_SETFCAP in its effective set (read
   * from {@code /proc/self/status}; effective uid 0 where that cannot be read). Root in a container
   * without CAP_MKNOD counts as unprivileged, as it would fail half-way otherwise.
   */
  boolean privileged() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
          long needed = (1L << CAP_CHOWN) | (1L << CAP_MKNOD) | (1L << CAP_SETFCAP);
          return (caps & needed) == needed;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux's /proc: decide by the uid
    }
    return posix.geteuid() == 0;
  }

  void lchown(String path, long uid, long gid) throws IOException {
    check(posix.lchown(path, (int) uid, (int) gid), "lchown", path);
  }

  /** Sets all 12 permission bits, setuid/setgid/sticky included; follows a symlink. */
  void chmod(String path, int mode) throws IOException {
    check(posix.chmod(path, mode & 07777), "chmod", path);
  }

  /**
   * Sets access and modification times of {@code path} itself, a symlink included ({@code
   * utimensat} with {@code AT_SYMLINK_NOFOLLOW}), to the nanosecond.
   */
  void lutimens(String path, long epochSeconds, long nanos) throws IOException {
    long[] time = {epochSeconds, nanos};
    check(posix.utimensat(AT_FDCWD, path, time, time, AT_SYMLINK_NOFOLLOW), "utimensat", path);
  }

  void mkfifo(String path, int mode) throws IOException {
    check(posix.mkfifo(path, mode & 07777), "mkfifo", path);
  }

  /**
   * Makes a character or block device ({@code type} {@link #S_IFCHR} or {@link #S_IFBLK}).
   *
   * @throws IOException EPERM without CAP_MKNOD
   */
  void mknod(String path, int type, int mode, long major, long minor) throws IOException {
    int ret = libc.mknod(path, type | (mode & 07777), makedev(major, minor));
    if (ret != 0) {
      throw failure("mknod", path, LastError.getLastError(runtime));
    }
  }

  void lsetxattr(String path, String name, byte[] value) throws IOException {
    int ret = libc.lsetxattr(path, name, value, value.length, 0);
    if (ret != 0) {
      throw failure("lsetxattr " + name, path, LastError.getLastError(runtime));
    }
  }

  /** The xattrs of {@code path} itself (not a symlink's target), by name, sorted. */
  java.util.SortedMap<String, byte[]> lgetxattrs(String path) throws IOException {
    java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
    long size = libc.llistxattr(path, null, 0);
    if (size < 0) {
      throw failure("llistxattr", path, LastError.getLastError(runtime));
    }
    if (size == 0) {
      return out;
    }
    byte[] list = new byte[(int) size];
    size = libc.llistxattr(path, list, list.length);
    if (size < 0) {
      throw failure("llistxattr", path, LastError.getLastError(runtime));
    }
    int start = 0;
    for (int i = 0; i < size; i++) {
      if (list[i] == 0) {
        String name = new String(list, start, i - start, java.nio.charset.StandardCharsets.UTF_8);
        start = i + 1;
        long n = libc.lgetxattr(path, name, null, 0);
        if (n < 0) {
          throw failure("lgetxattr " + name, path, LastError.getLastError(runtime));
        }
        byte[] value = new byte[(int) n];
        n = libc.lgetxattr(path, name, value, value.length);
        if (n < 0) {
          throw failure("lgetxattr " + name, path, LastError.getLastError(runtime));
        }
        out.put(name, java.util.Arrays.copyOf(value, (int) n));
      }
    }
    return out;
  }

  /** glibc's {@code makedev} for Linux (sys/sysmacros.h). */
  static long makedev(long major, long minor) {
    return ((major & 0xfffL) << 8)
        | ((major & ~0xfffL) << 32)
        | (minor & 0xffL)
        | ((minor & ~0xffL) << 12);
  }

  private void check(int ret, String call, String path) throws IOException {
    if (ret < 0) {
      throw failure(call, path, posix.errno());
    }
  }

  private static IOException failure(String call, String path, int errno) {
    Errno e = Errno.valueOf(errno);
    return new IOException(
        call + " " + path + ": " + (e == null ? "errno " + errno : e.description()));
  }

  /** Returns error codes to the caller instead of throwing from inside jnr-posix. */
  private static final class Handler implements POSIXHandler {
    @Override
    public void error(Errno error, String extraData) {}

    @Override
    public void error(Errno error, String methodName, String extraData) {}

    @Override
    public void unimplementedError(String methodName) {
      throw new UnsupportedOperationException(methodName + " is not available on this platform");
    }

    @Override
    public void warn(WARNING_ID id, String message, Object... data) {}

    @Override
    public boolean isVerbose() {
      return false;
    }

    @Override
    public File getCurrentWorkingDirectory() {
      return new File(".").getAbsoluteFile();
    }

    @Override
    public String[] getEnv() {
      return new String[0];
    }

    @Override
    public InputStream getInputStream() {
      return System.in;
    }

    @Override
    public PrintStream getOutputStream() {
      return System.out;
    }

    @Override
    public int getPID() {
      return (int) ProcessHandle.current().pid();
    }

    @Override
    public PrintStream getErrorStream() {
      return System.err;
    }
  }
}
