package dev.transferd.streams.bytestream;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending end of a byte stream as an {@link OutputStream} (spec §5.2, §5.3): the client's side
 * of an import, the server's side of an export.
 *
 * <p>Writes are collected into chunks of up to {@code maxChunk} bytes; a full chunk, {@link #flush}
 * and {@link #close} send {@code Data} messages. The sender never sends more bytes than the
 * receiver has granted: it picks up every {@code WindowUpdate} that has arrived before each chunk
 * and waits for one when its credit is used up (on the writing thread; interrupting it stops the
 * wait). Credit of any size is accepted and added up.
 *
 * <p>Endings: {@link #close} sends what is buffered and ends the stream cleanly, which is the end
 * of data. {@link #abort} ends it as a failure the receiver can tell apart (see {@link
 * AnyStream#fail}). If the receiver fails or ends the stream first, writes throw {@link
 * StreamAbortedException}.
 *
 * <p>Not thread-safe: one thread writes, flushes, closes and aborts. To stop a writer blocked on
 * credit from another thread, interrupt it or cancel the stream.
 */
public final class ByteStreamSender extends OutputStream {
  private static final Logger log = LoggerFactory.getLogger(ByteStreamSender.class);

  private final AnyStream stream;
  private final int maxChunk;
  private final byte[] buffer; // up to maxChunk bytes not yet sent
  private int buffered;
  private long credit;
  private long sent;
  private IOException failure;
  private boolean closed;

  private ByteStreamSender(AnyStream stream, ByteStreamSettings settings) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.maxChunk = settings.maxChunk();
    this.buffer = new byte[maxChunk];
  }

  /** A sender on {@code stream}; nothing is sent until the receiver grants credit. */
  public static ByteStreamSender start(AnyStream stream, ByteStreamSettings settings) {
    return new ByteStreamSender(stream, settings);
  }

  public String streamId() {
    return stream.id();
  }

  /** Bytes sent so far (not counting what is still buffered). */
  public long bytesSent() {
    return sent;
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    buffer[buffered++] = (byte) b;
    if (buffered == maxChunk) {
      sendBuffered();
    }
  }

  /**
   * Writes {@code b[off, off + len)}. Whole chunks are sent straight from {@code b}, without a
   * copy, before this returns; only a tail shorter than a chunk is kept in the buffer.
   */
  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    if (buffered > 0) {
      int n = Math.min(len, maxChunk - buffered);
      System.arraycopy(b, off, buffer, buffered, n);
      buffered += n;
      off += n;
      len -= n;
      if (buffered < maxChunk) {
        return;
      }
      sendBuffered();
    }
    while (len >= maxChunk) {
      int n = send(b, off, maxChunk);
      off += n;
      len -= n;
    }
    System.arraycopy(b, off, buffer, 0, len);
    buffered = len;
  }

  /**
   * Reads {@code in} to its end straight into the chunk buffer, sending each full chunk; does not
   * close either side. Exceptions from {@code in} pass through unchanged.
   *
   * @return the number of bytes read
   */
  public long transferFrom(InputStream in) throws IOException {
    ensureOpen();
    long total = 0;
    int n;
    while ((n = in.read(buffer, buffered, maxChunk - buffered)) >= 0) {
      buffered += n;
      total += n;
      if (buffered == maxChunk) {
        sendBuffered();
      }
    }
    return total;
  }

  /** Sends everything buffered, waiting for credit as needed. */
  @Override
  public void flush() throws IOException {
    ensureOpen();
    sendBuffered();
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
      sendBuffered();
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

  private void sendBuffered() throws IOException {
    int from = 0;
    try {
      while (from < buffered) {
        from += send(buffer, from, buffered - from);
      }
    } finally {
      if (from > 0 && from < buffered) {
        System.arraycopy(buffer, from, buffer, 0, buffered - from);
      }
      buffered -= from;
    }
  }

  /** Sends as much of {@code b[off, off + len)} as the credit allows, at least one byte. */
  private int send(byte[] b, int off, int len) throws IOException {
    try {
      awaitCredit();
      int n = (int) Math.min(len, credit);
      stream.send(DataMessages.data(b, off, n));
      credit -= n;
      sent += n;
      return n;
    } catch (TtrpcException e) {
      throw failed(e.status());
    }
  }

  /** Applies the credit that has arrived; waits for some while there is none. */
  private void awaitCredit() throws IOException {
    Any message;
    while ((message = stream.poll()) != null) {
      apply(message);
    }
    while (credit <= 0) {
      try {
        message = stream.receive();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for credit on " + stream.id());
      }
      if (message == null) {
        throw failed(
            Status.of(
                StatusCode.FAILED_PRECONDITION,
                "the receiver ended the stream with " + buffered + " bytes left to send"));
      }
      apply(message);
    }
  }

  private void apply(Any message) throws IOException {
    if (DataMessages.isWindowUpdate(message)) {
      int update;
      try {
        update = DataMessages.update(message);
      } catch (InvalidProtocolBufferException e) {
        throw failed(Status.of(StatusCode.INVALID_ARGUMENT, "malformed WindowUpdate"));
      }
      if (update > 0) {
        credit += update;
      } else {
        log.debug("ignoring a WindowUpdate of {} on {}", update, stream.id());
      }
    } else if (StreamingProtocol.isAbort(message)) {
      throw failed(StreamingProtocol.abortStatus(message));
    } else {
      log.debug("ignoring a {} on byte stream {}", message.getTypeUrl(), stream.id());
    }
  }

  private IOException failed(Status status) {
    if (failure == null) {
      failure = new StreamAbortedException("byte stream " + stream.id() + " failed", status);
      stream.cancel();
    }
    return failure;
  }
}
