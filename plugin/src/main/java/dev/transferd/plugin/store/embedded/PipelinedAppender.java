package dev.transferd.plugin.store.embedded;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.CountDownLatch;

/**
 * Hashes and appends to an ingest's data file behind the caller, so the caller only copies: bytes
 * are copied into a direct buffer (64 KiB at first, doubling up to 4 MiB as the blob grows), and a
 * full buffer goes to a background virtual thread that hashes it, once the buffer before it is
 * hashed, and then writes it, once the buffer before it is written. Up to two buffers are in
 * flight, so the hash of one overlaps the write of the one before, and both overlap the caller
 * filling a third. For an import the caller is the thread reading the client's byte stream, which
 * grants the client credit only as it takes the data: SHA-256 there (about 0.5 s per GiB) held up
 * the stream.
 *
 * <p>Every byte goes into the digest exactly once, in file order: a full buffer on its background
 * thread (the part the caller has not hashed already), the rest on the caller's thread when it asks
 * for the digest ({@link #hashAccepted}) or drains.
 *
 * <p>Full buffers go to the file with {@code O_DIRECT} when the file system allows it and the file
 * offset is block aligned: blob bytes are written once, to disk, without filling (and then
 * flushing) the page cache, which is both the fastest path on the machines we measured and what a
 * commit's fsync wants anyway. The last partial buffer, and everything when {@code O_DIRECT} is
 * unavailable, goes through the page cache; then a background {@code fdatasync} every {@link
 * #SYNC_EVERY} bytes keeps the commit's final fsync short.
 *
 * <p>Not thread-safe: one caller. A background failure is rethrown by the next call, and no buffer
 * after a failed one is written, so the file always holds a prefix of the bytes appended. {@link
 * #drain} waits until every accepted byte is hashed and in the file.
 */
final class PipelinedAppender implements AutoCloseable {
  /** The largest buffer; buffers start at {@link #FIRST_BUFFER} and double per hand-off. */
  static final int BUFFER = 4 << 20;

  static final int FIRST_BUFFER = 64 << 10;
  static final long SYNC_EVERY = 64L << 20;

  /** Alignment for O_DIRECT: buffer address, file offset and length (4 KiB covers every disk). */
  private static final int ALIGN = 4096;

  private final FileChannel channel;

  /**
   * Fed every appended byte, in order. Touched by the background thread only while a buffer is in
   * flight, and by the caller only after joining it.
   */
  private final MessageDigest digest;

  /** How many bytes at the start of {@code filling} the caller has hashed already. */
  private int hashedInFilling;

  /** The same file opened with O_DIRECT, or null; set to null for good after any failure. */
  private volatile FileChannel direct;

  private ByteBuffer filling = alignedBuffer(FIRST_BUFFER);

  /** The buffer handed off last, and the one before it; null when none (or one) is in flight. */
  private Stage newest;

  private Stage older;

  /** A written buffer, reused when big enough; null at first. */
  private ByteBuffer spare;

  /** Where in the file the {@code filling} buffer's first byte goes. */
  private long position;

  private volatile IOException failure;

  /** Set for good once a background write failed: no later buffer may be written. */
  private volatile boolean writeFailed;

  /**
   * The first failure the caller saw. After it the file may hold a partial buffer, so every later
   * call fails too: the writer's running hash would no longer describe the file. (A later writer of
   * the same ref re-hashes the file, so resuming stays correct.)
   */
  private IOException broken;

  /** Set by the append thread, read by the caller after joining it. */
  private volatile Thread syncing;

  private long unsynced;

  private PipelinedAppender(
      FileChannel channel, FileChannel direct, long position, MessageDigest digest) {
    this.channel = channel;
    this.direct = direct;
    this.position = position;
    this.digest = digest;
  }

  /**
   * An appender writing to {@code file} (open as {@code channel}) from {@code position} on and
   * feeding every byte to {@code digest}, which the caller must leave alone except after {@link
   * #hashAccepted} or {@link #drain} (until the next append).
   */
  static PipelinedAppender open(
      Path file, FileChannel channel, long position, MessageDigest digest) {
    return open(file, channel, position, digest, true);
  }

  /**
   * As {@link #open(Path, FileChannel, long, MessageDigest)}; {@code tryDirect} false keeps to the
   * page cache.
   */
  static PipelinedAppender open(
      Path file, FileChannel channel, long position, MessageDigest digest, boolean tryDirect) {
    FileChannel direct = null;
    if (tryDirect) {
      try {
        direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      } catch (IOException | UnsupportedOperationException e) {
        // tmpfs and some others refuse O_DIRECT: the page cache path does the job.
      }
    }
    return new PipelinedAppender(channel, direct, position, digest);
  }

  /** True while full buffers go to disk with O_DIRECT. */
  boolean isDirect() {
    return direct != null;
  }

  private static ByteBuffer alignedBuffer(int size) {
    return ByteBuffer.allocateDirect(size + ALIGN).alignedSlice(ALIGN).limit(size);
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

  /**
   * Hands the full buffer to a background thread; first waits until the one handed off before the
   * last is written (its buffer is filled next).
   */
  private void handOff() throws IOException {
    if (older != null) {
      retire(older);
      older = null;
    }
    ByteBuffer full = filling.flip();
    int hashFrom = hashedInFilling;
    hashedInFilling = 0;
    long at = position;
    // Small blobs never cost more than a few small buffers; large ones reach BUFFER quickly.
    int next = Math.min(BUFFER, full.capacity() * 2);
    filling = spare != null && spare.capacity() >= next ? spare.clear() : alignedBuffer(next);
    spare = null;
    position += full.remaining();
    boolean useDirect = direct != null && at % ALIGN == 0;
    boolean sync = false;
    if (!useDirect) {
      unsynced += full.remaining();
      if (unsynced >= SYNC_EVERY && (syncing == null || !syncing.isAlive())) {
        unsynced = 0;
        sync = true;
      }
    }
    Stage stage = new Stage(full, at, hashFrom, useDirect, sync, newest);
    older = newest;
    newest = stage;
    stage.thread = Thread.ofVirtual().name("ingest-append").start(stage);
  }

  /** Waits until {@code stage} (and so every stage before it) is written; keeps its buffer. */
  private void retire(Stage stage) throws IOException {
    join(stage.thread);
    spare = stage.data;
    rethrow();
  }

  /**
   * One full buffer on its way to the file: hashed once the buffer before it is hashed, written
   * once that one is written, skipped if any write before it failed.
   */
  private final class Stage implements Runnable {
    final ByteBuffer data;
    final long at;
    final int hashFrom;
    final boolean useDirect;
    final boolean startSync;
    final CountDownLatch hashed = new CountDownLatch(1);
    Thread thread;

    /** The stage before, until this one has passed it (so no chain of buffers stays reachable). */
    private Stage previous;

    Stage(
        ByteBuffer data,
        long at,
        int hashFrom,
        boolean useDirect,
        boolean startSync,
        Stage previous) {
      this.data = data;
      this.at = at;
      this.hashFrom = hashFrom;
      this.useDirect = useDirect;
      this.startSync = startSync;
      this.previous = previous;
    }

    @Override
    public void run() {
      try {
        try {
          if (previous != null) {
            awaitUninterruptibly(previous.hashed);
          }
          hash(data, hashFrom);
        } finally {
          hashed.countDown();
        }
        if (previous != null) {
          joinUninterruptibly(previous.thread);
        }
        if (writeFailed) {
          return; // a hole must not open in the file
        }
        if (useDirect) {
          writeDirect(data, at);
        } else {
          writeBuffered(data, at);
        }
        if (startSync) {
          startSync();
        }
      } catch (IOException | RuntimeException e) {
        writeFailed = true;
        failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
      } finally {
        if (previous != null) {
          joinUninterruptibly(previous.thread); // whoever joins this one has joined them all
          previous = null;
        }
      }
    }
  }

  /** Feeds {@code data} from index {@code from} to its limit to the digest; keeps its position. */
  private void hash(ByteBuffer data, int from) {
    if (from < data.limit()) {
      digest.update(data.duplicate().position(from));
    }
  }

  /**
   * Brings the digest up to every byte accepted so far: waits for the buffer in flight, then hashes
   * the rest of the filling buffer on the caller's thread. The caller may then read (a copy of) the
   * digest until its next append.
   */
  void hashAccepted() throws IOException {
    checkNotBroken();
    if (newest != null) {
      await(newest.hashed);
    }
    rethrow();
    hash(filling.duplicate().flip(), hashedInFilling);
    hashedInFilling = filling.position();
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
      closeQuietly(d);
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

  /**
   * Hashes and writes everything accepted so far and waits for background work to finish. The
   * digest then covers every byte appended.
   */
  void drain() throws IOException {
    hashAccepted();
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
      hashedInFilling = 0;
    }
    join(syncing);
    syncing = null;
    rethrow();
  }

  /**
   * After the file was cut to {@code size} (everything drained first) and the digest reset to its
   * first {@code size} bytes: append from there.
   */
  void restartAt(long size) {
    filling.clear();
    hashedInFilling = 0;
    position = size;
  }

  private void awaitInFlight() throws IOException {
    if (newest != null) {
      Stage last = newest;
      newest = null;
      older = null;
      retire(last);
    }
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

  /**
   * Waits for {@code t} even when interrupted (the file must not be left with a write still landing
   * behind the caller's back), then reports the interrupt.
   */
  private static void join(Thread t) throws IOException {
    if (joinUninterruptibly(t)) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while appending to an ingest");
    }
  }

  /** As {@link #join}, for a latch. */
  private static void await(CountDownLatch latch) throws IOException {
    if (awaitUninterruptibly(latch)) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing an ingest");
    }
  }

  /** Waits for {@code t} (if any); returns whether an interrupt came meanwhile. */
  private static boolean joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (t != null) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  private static boolean awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  /**
   * Waits for the buffers in flight (after a failure they may still be running), then closes the
   * O_DIRECT channel; the caller closes its own.
   */
  @Override
  public void close() {
    Stage last = newest;
    newest = null;
    older = null;
    if (last != null && joinUninterruptibly(last.thread)) {
      Thread.currentThread().interrupt();
    }
    FileChannel d = direct;
    direct = null;
    closeQuietly(d);
  }

  private static void closeQuietly(FileChannel c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing was pending on it: every write through it has returned.
    }
  }
}
