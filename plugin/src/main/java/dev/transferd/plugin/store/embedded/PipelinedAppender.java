package dev.transferd.plugin.store.embedded;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Appends to a file on a second thread so the caller's hashing and the kernel's copying overlap:
 * bytes are copied into one of two 1 MiB buffers; a full buffer is written by a background virtual
 * thread while the caller fills the other. Every {@link #SYNC_EVERY} bytes a further background
 * {@code fdatasync} starts, so the final fsync of a commit finds little left to write.
 *
 * <p>Not thread-safe: one caller. At most one buffer is in flight; a background failure is rethrown
 * by the next call. {@link #drain} waits until every accepted byte is in the file.
 */
final class PipelinedAppender {
  static final int BUFFER = 1 << 20;
  static final long SYNC_EVERY = 64L << 20;

  private final FileChannel channel;
  private byte[] filling = new byte[BUFFER];
  private byte[] spare = new byte[BUFFER];
  private int filled;
  private Thread inFlight;
  private volatile IOException failure;

  /** Set by the append thread, read by the caller after joining it. */
  private volatile Thread syncing;

  private long unsynced;

  PipelinedAppender(FileChannel channel) {
    this.channel = channel;
  }

  void append(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, BUFFER - filled);
      System.arraycopy(b, off, filling, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BUFFER) {
        handOff();
      }
    }
  }

  /** Starts writing the full buffer in the background once the previous one is written. */
  private void handOff() throws IOException {
    awaitInFlight();
    byte[] full = filling;
    int length = filled;
    filling = spare;
    spare = full;
    filled = 0;
    unsynced += length;
    boolean sync = unsynced >= SYNC_EVERY && (syncing == null || !syncing.isAlive());
    if (sync) {
      unsynced = 0;
    }
    inFlight =
        Thread.ofVirtual()
            .name("ingest-append")
            .start(
                () -> {
                  try {
                    writeFully(full, length);
                    if (sync) {
                      startSync();
                    }
                  } catch (IOException e) {
                    failure = e;
                  }
                });
  }

  private void startSync() {
    syncing =
        Thread.ofVirtual()
            .name("ingest-sync")
            .start(
                () -> {
                  try {
                    channel.force(false);
                  } catch (IOException e) {
                    failure = e;
                  }
                });
  }

  private void writeFully(byte[] data, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(data, 0, length);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  /** Writes everything accepted so far and waits for background work to finish. */
  void drain() throws IOException {
    awaitInFlight();
    if (filled > 0) {
      writeFully(filling, filled);
      filled = 0;
    }
    join(syncing);
    syncing = null;
    rethrow();
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
      throw new IOException("append to ingest data failed: " + e.getMessage(), e);
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
}
