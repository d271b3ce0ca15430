package dev.transferd.streams.bytestream;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.ArrivalWatcher;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending end of a byte stream as an {@link OutputStream} (docs/protocol/transfer.md §5.2,
 * §5.3): the client's side of an import, the server's side of an export.
 *
 * <p>Writes are cut into chunks of up to {@code maxChunk} bytes, which wait in a small queue of
 * prepared chunks (at most {@link #QUEUED_CHUNKS} of them) until the receiver's credit covers them.
 * The sender never sends more bytes than the receiver has granted; a chunk bigger than the credit
 * left is split, so credit of any size is used up and accepted. Credit arrives on the connection's
 * I/O thread ({@link AnyStream#divertArrivals}), and for chunks up to {@link
 * #SEND_ON_IO_THREAD_MAX} (containerd's 32 KiB) that thread sends the chunks the new credit covers
 * at once: the credit round trip involves no thread of ours on this side, and the writing thread
 * only wakes to refill the queue. Larger chunks are sent by the writing thread. Whichever thread
 * finds both credit and chunks sends them, one thread at a time, in order.
 *
 * <p>Endings: {@link #close} waits until every queued byte is sent, then ends the stream cleanly,
 * which is the end of data; {@link #flush} waits until the queue is empty. {@link #abort} ends it
 * as a failure the receiver can tell apart (see {@link AnyStream#fail}). If the receiver fails or
 * ends the stream first, writes throw {@link StreamAbortedException}.
 *
 * <p>One thread writes, flushes, closes and aborts. To stop a writer waiting for credit from
 * another thread, interrupt it or cancel the stream.
 */
public final class ByteStreamSender extends OutputStream {
  /**
   * Prepared chunks that may wait for credit: two windows' worth at containerd's sizes. The writer
   * waits while the queue is full and is woken when half of it is free.
   */
  static final int QUEUED_CHUNKS = 4;

  /**
   * Largest chunk the I/O thread sends itself when credit arrives. Encoding a frame copies it; for
   * small chunks that is cheaper than waking the writer, for large ones it would hold up reading
   * (measured: 1 MiB / 256 KiB echo fell from 0.40–0.50 to 0.16–0.37 GB/s), so the writer sends.
   */
  static final int SEND_ON_IO_THREAD_MAX = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ByteStreamSender.class);

  private final AnyStream stream;
  private final int maxChunk;
  private final long queueLimit;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // Guarded by lock.
  private long credit;
  private final ArrayDeque<ByteString> queued = new ArrayDeque<>();
  private long queuedBytes;
  private boolean sending; // one thread is sending chunks taken off the queue
  private long sent;
  private Status failedWith; // the peer's abort or end, a failed send
  private boolean peerEnded;

  // Writing thread only.
  private byte[] buffer; // the chunk being filled, or null
  private int buffered;
  private IOException failure;
  private boolean closed;

  private ByteStreamSender(AnyStream stream, ByteStreamSettings settings) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.maxChunk = settings.maxChunk();
    this.queueLimit = (long) QUEUED_CHUNKS * maxChunk;
  }

  /** A sender on {@code stream}; nothing is sent until the receiver grants credit. */
  public static ByteStreamSender start(AnyStream stream, ByteStreamSettings settings) {
    ByteStreamSender sender = new ByteStreamSender(stream, settings);
    List<Any> early =
        stream.divertArrivals(
            new ArrivalWatcher() {
              @Override
              public void arrived(Any message) {
                sender.arrived(message);
              }

              @Override
              public void ended(Status status) {
                sender.peerEnded(status);
              }
            });
    for (Any message : early) {
      sender.arrived(message); // e.g. an export's first WindowUpdate, sent before the Transfer call
    }
    return sender;
  }

  public String streamId() {
    return stream.id();
  }

  /** Bytes sent so far (not counting what is still buffered or queued). */
  public long bytesSent() {
    lock.lock();
    try {
      return sent;
    } finally {
      lock.unlock();
    }
  }

  // ---- the connection's I/O thread (or whoever handles early messages) ----

  private void arrived(Any message) {
    if (DataMessages.isWindowUpdate(message)) {
      int update;
      try {
        update = DataMessages.update(message);
      } catch (InvalidProtocolBufferException e) {
        fail(Status.of(StatusCode.INVALID_ARGUMENT, "malformed WindowUpdate"));
        return;
      }
      if (update <= 0) {
        log.debug("ignoring a WindowUpdate of {} on {}", update, stream.id());
        return;
      }
      lock.lock();
      try {
        credit += update;
        if (maxChunk > SEND_ON_IO_THREAD_MAX) {
          changed.signalAll(); // the writer sends
          return;
        }
      } finally {
        lock.unlock();
      }
      sendQueued();
    } else if (StreamingProtocol.isAbort(message)) {
      fail(StreamingProtocol.abortStatus(message));
    } else {
      log.debug("ignoring a {} on byte stream {}", message.getTypeUrl(), stream.id());
    }
  }

  private void peerEnded(Status status) {
    lock.lock();
    try {
      peerEnded = true;
      if (failedWith == null && !status.isOk()) {
        failedWith = status;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void fail(Status status) {
    lock.lock();
    try {
      if (failedWith == null) {
        failedWith = status;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends the queued chunks the credit covers, unless another thread is already sending (it picks
   * up the new credit or chunks when it finishes). Never waits on the I/O thread: a send there
   * never waits for the connection.
   */
  private void sendQueued() {
    while (true) {
      List<ByteString> batch;
      lock.lock();
      try {
        if (sending || failedWith != null || credit <= 0 || queued.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(2);
        while (credit > 0 && !queued.isEmpty()) {
          ByteString head = queued.pollFirst();
          if (head.size() > credit) {
            queued.addFirst(head.substring((int) credit)); // split to the credit left
            head = head.substring(0, (int) credit);
          }
          batch.add(head);
          credit -= head.size();
          queuedBytes -= head.size();
        }
        sending = true;
      } finally {
        lock.unlock();
      }
      long n = 0;
      Status failed = null;
      try {
        for (ByteString chunk : batch) {
          stream.send(DataMessages.data(chunk));
          n += chunk.size();
        }
      } catch (TtrpcException e) {
        failed = e.status();
      }
      lock.lock();
      try {
        sending = false;
        sent += n;
        if (failed != null && failedWith == null) {
          failedWith = failed;
        }
        if (failed != null || queuedBytes <= queueLimit / 2) {
          // Wake the writer only once half the queue is free, so it refills several chunks per
          // wake-up instead of one (each wake-up is a thread hand-off).
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  // ---- the writing thread ----

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (buffer == null) {
      buffer = new byte[maxChunk];
    }
    buffer[buffered++] = (byte) b;
    if (buffered == maxChunk) {
      queueBuffer();
    }
  }

  /** Copies {@code b[off, off + len)} into chunks; returns once they are queued (or sent). */
  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    while (len > 0) {
      if (buffer == null) {
        buffer = new byte[maxChunk];
      }
      int n = Math.min(len, maxChunk - buffered);
      System.arraycopy(b, off, buffer, buffered, n);
      buffered += n;
      off += n;
      len -= n;
      if (buffered == maxChunk) {
        queueBuffer();
      }
    }
  }

  /**
   * Writes bytes that never change (e.g. a received Data payload) without copying them, as chunks
   * of at most {@code maxChunk}; whatever is buffered from earlier writes goes first.
   */
  public void write(ByteString data) throws IOException {
    ensureOpen();
    if (buffered > 0) {
      queueBuffer();
    }
    for (int at = 0; at < data.size(); at += maxChunk) {
      queue(data.substring(at, Math.min(data.size(), at + maxChunk)));
    }
  }

  /**
   * Reads {@code in} to its end straight into chunk buffers, queueing each full chunk; does not
   * close either side. Exceptions from {@code in} pass through unchanged.
   *
   * @return the number of bytes read
   */
  public long transferFrom(InputStream in) throws IOException {
    ensureOpen();
    long total = 0;
    while (true) {
      if (buffer == null) {
        buffer = new byte[maxChunk];
      }
      int n = in.read(buffer, buffered, maxChunk - buffered);
      if (n < 0) {
        return total;
      }
      buffered += n;
      total += n;
      if (buffered == maxChunk) {
        queueBuffer();
      }
    }
  }

  /** Sends everything written so far, waiting for credit as needed. */
  @Override
  public void flush() throws IOException {
    ensureOpen();
    if (buffered > 0) {
      queueBuffer();
    }
    awaitQueueBelow(1);
  }

  /** Sends what is buffered, then ends the stream cleanly: the receiver sees the end of data. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    if (failure != null) {
      closed = true;
      // A new exception: try-with-resources would otherwise suppress the write's own into itself.
      throw new StreamAbortedException(
          "byte stream " + stream.id() + " had failed before close", statusOf(failure), failure);
    }
    try {
      if (buffered > 0) {
        queueBuffer();
      }
      awaitQueueBelow(1);
    } catch (IOException | RuntimeException e) {
      abort(e);
      throw e;
    }
    closed = true;
    stream.close();
  }

  /**
   * Ends the stream as failed, so the receiver does not mistake it for a clean end. Idempotent; a
   * no-op after {@link #close}.
   */
  public void abort(Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    stream.fail(statusOf(cause));
  }

  private static Status statusOf(Throwable cause) {
    if (cause instanceof StreamAbortedException s) {
      return s.status();
    }
    if (cause instanceof TtrpcException t) {
      return t.status();
    }
    String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
    return Status.of(StatusCode.ABORTED, "sender failed: " + message);
  }

  private void ensureOpen() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (closed) {
      throw new IOException("byte stream " + stream.id() + " is closed");
    }
  }

  /** Queues the buffer's bytes as a chunk; the buffer is given away with them. */
  private void queueBuffer() throws IOException {
    ByteString chunk = UnsafeByteOperations.unsafeWrap(buffer, 0, buffered);
    buffer = null;
    buffered = 0;
    queue(chunk);
  }

  /** Queues a chunk, first waiting while the queue is full; then sends what the credit covers. */
  private void queue(ByteString chunk) throws IOException {
    awaitQueueBelow(queueLimit - chunk.size() + 1);
    lock.lock();
    try {
      queued.addLast(chunk);
      queuedBytes += chunk.size();
    } finally {
      lock.unlock();
    }
    sendQueued();
  }

  /**
   * Waits until fewer than {@code limit} bytes are queued or being sent (1: all sent), the stream
   * fails, or the thread is interrupted.
   */
  private void awaitQueueBelow(long limit) throws IOException {
    lock.lock();
    try {
      while (true) {
        if (failedWith != null) {
          throw failed(failedWith);
        }
        boolean empty = queued.isEmpty() && !sending;
        if (empty || (queuedBytes < limit && limit > 1)) {
          return;
        }
        if (!sending && credit > 0 && !queued.isEmpty()) {
          lock.unlock(); // never call into the stream while holding our lock
          try {
            sendQueued();
          } finally {
            lock.lock();
          }
          continue;
        }
        if (peerEnded) {
          throw failed(
              Status.of(
                  StatusCode.FAILED_PRECONDITION,
                  "the receiver ended the stream with " + queuedBytes + " bytes left to send"));
        }
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for credit on " + stream.id());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private IOException failed(Status status) {
    if (failure == null) {
      failure = new StreamAbortedException("byte stream " + stream.id() + " failed", status);
      lock.unlock(); // never call into the stream while holding our lock
      try {
        stream.cancel();
      } finally {
        lock.lock();
      }
    }
    return failure;
  }
}
