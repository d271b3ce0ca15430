package dev.transferd.plugin.store.embedded;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends to an ingest's data file on a second thread, so the caller's hashing and the write
 * overlap: bytes are copied into one of two direct buffers (64 KiB at first, doubling up to 4 MiB
 * as the blob grows), and a full buffer is written by a background virtual thread while the caller
 * fills the other.
 *
 * <p>Full buffers go to the file with {@code O_DIRECT} when the file system allows it and the file
 * offset is block aligned: blob bytes are written once, to disk, without filling (and then
 * flushing) the page cache, which is both the fastest path on the machines we measured and what a
 * commit's fsync wants anyway. The last partial buffer, and everything when {@code O_DIRECT} is
 * unavailable, goes through the page cache; then a background {@code fdatasync} every {@link
 * #SYNC_EVERY} bytes keeps the commit's final fsync short.
 *
 * <p>Not thread-safe: one caller. At most one buffer is in flight; a background failure is rethrown
 * by the next call. {@link #drain} waits until every accepted byte is in the file.
 */
final class PipelinedAppender implements AutoCloseable {
  /** The largest buffer; buffers start at {@link #FIRST_BUFFER} and double per hand-off. */
  static final int BUFFER = 4 << 20;

  static final int FIRST_BUFFER = 64 << 10;
  static final long SYNC_EVERY = 64L << 20;

  private final FileChannel channel;

  /** The same file opened with O_DIRECT, or null; set to null for good after any failure. */
  private volatile FileChannel direct;

  private ByteBuffer filling = DirectIo.alignedBuffer(FIRST_BUFFER);

  /** The buffer last handed off (in flight or written), reused when big enough; null at first. */
  private ByteBuffer spare;

  /** Where in the file the {@code filling} buffer's first byte goes. */
  private long position;

  private Thread inFlight;
  private volatile IOException failure;

  /**
   * The first failure the caller saw. After it the file may hold a partial buffer, so every later
   * call fails too: the writer's running hash would no longer describe the file. (A later writer of
   * the same ref re-hashes the file, so resuming stays correct.)
   */
  private IOException broken;

  /** Set by the append thread, read by the caller after joining it. */
  private volatile Thread syncing;

  private long unsynced;

  private PipelinedAppender(FileChannel channel, FileChannel direct, long position) {
    this.channel = channel;
    this.direct = direct;
    this.position = position;
  }

  /** An appender writing to {@code file} (open as {@code channel}) from {@code position} on. */
  static PipelinedAppender open(Path file, FileChannel channel, long position) {
    return open(file, channel, position, true);
  }

  /** As {@link #open(Path, FileChannel, long)}; {@code tryDirect} false keeps to the page cache. */
  static PipelinedAppender open(Path file, FileChannel channel, long position, boolean tryDirect) {
    FileChannel direct = tryDirect ? DirectIo.open(file, StandardOpenOption.WRITE) : null;
    return new PipelinedAppender(channel, direct, position);
  }

  /** True while full buffers go to disk with O_DIRECT. */
  boolean isDirect() {
    return direct != null;
  }

  void append(byte[] b, int off, int len) throws IOException {
    checkNotBroken();
    while (len > 0) {
      int n = Math.min(len, filling.remaining());
      filling.put(b, off, n);
      off += n;
      len -= n;
      if (!filling.hasRemaining()) {
        handOff();
      }
    }
  }

  /** Starts writing the full buffer in the background once the previous one is written. */
  private void handOff() throws IOException {
    awaitInFlight();
    ByteBuffer full = filling.flip();
    long at = position;
    // Small blobs never cost more than a few small buffers; large ones reach BUFFER quickly.
    int next = Math.min(BUFFER, full.capacity() * 2);
    filling =
        spare != null && spare.capacity() >= next ? spare.clear() : DirectIo.alignedBuffer(next);
    spare = full;
    position += full.remaining();
    boolean useDirect = direct != null && at % DirectIo.ALIGN == 0;
    boolean sync = false;
    if (!useDirect) {
      unsynced += full.remaining();
      if (unsynced >= SYNC_EVERY && (syncing == null || !syncing.isAlive())) {
        unsynced = 0;
        sync = true;
      }
    }
    boolean startSync = sync;
    inFlight =
        Thread.ofVirtual()
            .name("ingest-append")
            .start(
                () -> {
                  try {
                    if (useDirect) {
                      writeDirect(full, at);
                    } else {
                      writeBuffered(full, at);
                    }
                    if (startSync) {
                      startSync();
                    }
                  } catch (IOException | RuntimeException e) {
                    failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
                  }
                });
  }

  private void writeDirect(ByteBuffer data, long at) throws IOException {
    FileChannel d = direct;
    try {
      while (data.hasRemaining()) {
        d.write(data, at + data.position());
      }
    } catch (IOException e) {
      // EINVAL on an odd device or a short write leaving us unaligned: finish through the page
      // cache and stay there.
      direct = null;
      DirectIo.closeQuietly(d);
      writeBuffered(data, at);
    }
  }

  private void writeBuffered(ByteBuffer data, long at) throws IOException {
    while (data.hasRemaining()) {
      channel.write(data, at + data.position());
    }
  }

  private void startSync() {
    syncing =
        Thread.ofVirtual()
            .name("ingest-sync")
            .start(
                () -> {
                  try {
                    channel.force(false);
                  } catch (IOException | RuntimeException e) {
                    failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
                  }
                });
  }

  /** Writes everything accepted so far and waits for background work to finish. */
  void drain() throws IOException {
    checkNotBroken();
    awaitInFlight();
    if (filling.position() > 0) {
      ByteBuffer tail = filling.flip();
      long at = position;
      position += tail.remaining();
      try {
        writeBuffered(tail, at);
      } catch (IOException e) {
        broken = e;
        throw e;
      }
      filling.clear();
    }
    join(syncing);
    syncing = null;
    rethrow();
  }

  /** After the file was cut to {@code size} (everything drained first): append from there. */
  void restartAt(long size) {
    filling.clear();
    position = size;
  }

  private void awaitInFlight() throws IOException {
    join(inFlight);
    inFlight = null;
    rethrow();
  }

  private void rethrow() throws IOException {
    IOException e = failure;
    if (e != null) {
      failure = null;
      broken = e;
      throw new IOException("append to ingest data failed: " + e.getMessage(), e);
    }
  }

  boolean isBroken() {
    return broken != null;
  }

  private void checkNotBroken() throws IOException {
    if (broken != null) {
      throw new IOException(
          "an earlier append to this ingest failed (" + broken.getMessage() + "); reopen the ref",
          broken);
    }
  }

  private static void join(Thread t) throws IOException {
    if (t == null) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        // The file must not be left with a write still landing behind the caller's back.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while appending to an ingest");
    }
  }

  /** Closes the O_DIRECT channel; the caller closes its own. Call after {@link #drain}. */
  @Override
  public void close() {
    FileChannel d = direct;
    direct = null;
    DirectIo.closeQuietly(d);
  }
}
