package dev.transferd.plugin.store.embedded;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * What the store's {@code O_DIRECT} writer ({@link PipelinedAppender}) and reader ({@link
 * DirectBlobInputStream}) share: the alignment, aligned buffers, and opening a file with {@code
 * O_DIRECT} where the file system allows it.
 */
final class DirectIo {
  /** Alignment for O_DIRECT: buffer address, file offset and length (4 KiB covers every disk). */
  static final int ALIGN = 4096;

  private DirectIo() {}

  /** A direct buffer of exactly {@code size} bytes whose address is {@link #ALIGN}ed. */
  static ByteBuffer alignedBuffer(int size) {
    return ByteBuffer.allocateDirect(size + ALIGN).alignedSlice(ALIGN).limit(size).slice();
  }

  /**
   * {@code file} opened with {@code O_DIRECT} and {@code mode}, or null where that is refused
   * (tmpfs and some others): then the page cache does the job.
   */
  static FileChannel open(Path file, OpenOption mode) {
    try {
      return FileChannel.open(file, mode, ExtendedOpenOption.DIRECT);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /**
   * Closes a channel nothing is pending on (every write through it has returned, or it was only
   * read): a failure to close it loses nothing. Null is allowed.
   */
  static void closeQuietly(FileChannel c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // See above: nothing to lose.
    }
  }
}
