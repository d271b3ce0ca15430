package dev.transferd.plugin.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a large blob with {@code O_DIRECT}, a block-aligned buffer at a time, so that pushing or
 * exporting it does not pull the whole blob into the page cache. {@link PipelinedAppender} writes
 * large blobs the same way, so they are usually not cached anyway, and a buffered read would fill
 * fresh page-cache pages only to drop them again. On the VMs we run on, pages the guest has not
 * touched lately cost the host a fault each on first use: a buffered first read of 1 GiB took 3.0
 * CPU-s of kernel time there, against 0.16 s with {@code O_DIRECT} (0.07 s from the page cache).
 *
 * <p>Dirty page-cache pages of the file (a tail written through the cache) are written back by the
 * kernel before a direct read of their range, so what is read is always the file's content. Where
 * the file system refuses {@code O_DIRECT} (tmpfs) or a read fails with it, {@link #open} returns
 * null or the stream goes on through the page cache.
 *
 * <p>Not thread-safe: one reader.
 */
final class DirectBlobInputStream extends InputStream {
  /** Blobs smaller than this are read through the page cache: one buffer would hold them. */
  static final long MIN_SIZE = 1 << 20;

  /**
   * The first buffer's size; each fill doubles it up to {@link #BUFFER}. A push of 64 KiB chunks
   * opens a stream per chunk and reads only that much of it.
   */
  private static final int FIRST_BUFFER = 64 << 10;

  private static final int BUFFER = 1 << 20;

  private final Path file;
  private final long end;
  private FileChannel direct;
  private FileChannel buffered;
  private ByteBuffer buffer;

  /** Where in the file the next fill starts (block aligned while direct). */
  private long filePosition;

  /** Bytes of the first buffer before the requested offset. */
  private int skipInFirstFill;

  private boolean closed;

  private DirectBlobInputStream(Path file, FileChannel direct, long offset, long end) {
    this.file = file;
    this.direct = direct;
    this.end = end;
    this.buffer = DirectIo.alignedBuffer(FIRST_BUFFER).limit(0); // nothing read yet
    long aligned = offset - offset % DirectIo.ALIGN;
    this.filePosition = aligned;
    this.skipInFirstFill = (int) (offset - aligned);
  }

  /**
   * A stream of {@code file} from {@code offset} to {@code size}, or null when {@code O_DIRECT}
   * cannot be used (then read the file through the page cache).
   */
  static DirectBlobInputStream open(Path file, long offset, long size) {
    FileChannel ch = DirectIo.open(file, StandardOpenOption.READ);
    return ch == null ? null : new DirectBlobInputStream(file, ch, offset, size);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return buffer.remaining();
  }

  /** Reads the next buffer; false at the end of the blob. */
  private boolean fill() throws IOException {
    if (filePosition >= end) {
      return false;
    }
    if (buffer.capacity() < BUFFER && buffer.limit() == buffer.capacity()) {
      // The last fill was full, so the blob goes on: read more at a time.
      buffer = DirectIo.alignedBuffer(Math.min(BUFFER, buffer.capacity() * 2));
    }
    buffer.clear();
    int want = (int) Math.min(buffer.capacity(), roundUp(end - filePosition));
    buffer.limit(want);
    if (direct != null) {
      try {
        readDirect();
      } catch (IOException e) {
        // EINVAL from an odd device: go on through the page cache from where we are.
        DirectIo.closeQuietly(direct);
        direct = null;
        buffer.clear().limit(want);
      }
    }
    if (direct == null) {
      if (buffered == null) {
        buffered = FileChannel.open(file, StandardOpenOption.READ);
      }
      while (buffer.hasRemaining()) {
        if (buffered.read(buffer, filePosition + buffer.position()) < 0) {
          break;
        }
      }
    }
    int got = buffer.position();
    if (got == 0) {
      throw new IOException(file + " ends at " + filePosition + ", before its size " + end);
    }
    buffer.flip();
    // The last block is read whole; anything past the recorded size is not the blob's.
    if (filePosition + got > end) {
      buffer.limit((int) (end - filePosition));
    }
    filePosition += got;
    if (skipInFirstFill > 0) {
      buffer.position(Math.min(skipInFirstFill, buffer.limit()));
      skipInFirstFill = 0;
    }
    if (!buffer.hasRemaining()) {
      return fill();
    }
    return true;
  }

  private void readDirect() throws IOException {
    while (buffer.hasRemaining()) {
      int n = direct.read(buffer, filePosition + buffer.position());
      if (n < 0 || buffer.position() % DirectIo.ALIGN != 0) {
        return; // end of file (a short, unaligned read only happens there)
      }
    }
  }

  private static long roundUp(long n) {
    return (n + DirectIo.ALIGN - 1) / DirectIo.ALIGN * DirectIo.ALIGN;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    DirectIo.closeQuietly(direct);
    if (buffered != null) {
      buffered.close();
    }
  }
}
