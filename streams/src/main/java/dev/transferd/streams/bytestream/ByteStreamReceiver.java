package dev.transferd.streams.bytestream;

import com.google.protobuf.Any;
import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
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
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of a byte stream as an {@link InputStream} (docs/protocol/transfer.md §5.1):
 * the server's side of an import, the client's side of an export.
 *
 * <p>Credit: {@link #start} grants one window at once, before any data. Afterwards credit is
 * granted as {@code Data} arrives, on the connection's I/O thread (an {@link
 * dev.transferd.streams.ArrivalWatcher}), with no other thread scheduled first: whenever the
 * outstanding credit (granted minus arrived) drops below one window, one window more, every grant
 * exactly one window. So the sender has one to two windows to send. Memory stays bounded because no
 * credit is granted while more than one window of arrived data is still unread; the reader grants
 * the credit held back once it has caught up. The watcher never blocks. A sender that overruns its
 * credit is not stopped (containerd does not enforce it); the stream's inbox bound then applies.
 *
 * <p>Endings: the sender's clean end of the stream reads as end of file, and the receiver then
 * closes its end (the server's Streaming call ends OK). An abort marker or an error status throws
 * {@link StreamAbortedException}. {@link #close} before the end fails the stream, so the sender
 * stops. Unknown messages are ignored, as containerd does.
 *
 * <p>One thread reads; {@link #close} may come from another.
 */
public final class ByteStreamReceiver extends InputStream {
  private static final Logger log = LoggerFactory.getLogger(ByteStreamReceiver.class);

  private final AnyStream stream;
  private final int window;
  private final ReentrantLock lock = new ReentrantLock();
  private long granted; // guarded by lock
  private long arrived; // guarded by lock
  private long taken; // guarded by lock: bytes the reader has taken off the stream
  private volatile boolean closed;

  // Reader thread only.
  private ByteString chunk = ByteString.EMPTY;
  private int position;
  private volatile boolean ended;
  private volatile IOException failure;

  private ByteStreamReceiver(AnyStream stream, ByteStreamSettings settings) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.window = settings.window();
  }

  /** Starts receiving on {@code stream}: grants the first window at once. */
  public static ByteStreamReceiver start(AnyStream stream, ByteStreamSettings settings) {
    ByteStreamReceiver receiver = new ByteStreamReceiver(stream, settings);
    stream.watchArrivals(receiver::arrived);
    receiver.grantIfDue(0, 0);
    return receiver;
  }

  /** The stream's id, for messages. */
  public String streamId() {
    return stream.id();
  }

  // ---- the connection's I/O thread ----

  private void arrived(Any message) {
    if (!DataMessages.isData(message)) {
      return;
    }
    int size;
    try {
      size = DataMessages.payload(message).size();
    } catch (InvalidProtocolBufferException e) {
      return; // the reader reports it
    }
    grantIfDue(size, 0);
  }

  /**
   * Counts bytes that arrived or were taken, then grants one window if the outstanding credit is
   * below one and at most one window is unread. The decision is made under the lock, the send
   * outside it (grants are all alike, so their order does not matter), so neither the I/O thread
   * nor the reader ever waits for the other's send.
   */
  private void grantIfDue(int newlyArrived, int newlyTaken) {
    lock.lock();
    try {
      arrived += newlyArrived;
      taken += newlyTaken;
      if (closed || granted - arrived >= window || arrived - taken > window) {
        return;
      }
      granted += window;
    } finally {
      lock.unlock();
    }
    try {
      stream.send(DataMessages.windowUpdate(window));
    } catch (TtrpcException e) {
      // The stream has ended; the reader learns how from the stream, after the data queued.
      log.debug("could not grant credit on {}: {}", stream.id(), e.toString());
    }
  }

  // ---- the reader ----

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return chunk.byteAt(position++) & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, chunk.size() - position);
    chunk.copyTo(b, position, off, n);
    position += n;
    return n;
  }

  /**
   * Writes every remaining byte to {@code out}, chunk by chunk, straight from the received
   * messages: {@code out} sees arrays it must not keep or change after {@code write} returns. A
   * {@link ByteStreamSender} gets the received payloads themselves, which it may keep.
   */
  @Override
  public long transferTo(OutputStream out) throws IOException {
    ByteOutput direct = new StreamByteOutput(out);
    long total = 0;
    while (fill()) {
      ByteString rest = position == 0 ? chunk : chunk.substring(position);
      position = chunk.size();
      if (out instanceof ByteStreamSender sender) {
        sender.write(rest); // received bytes never change: passed on without a copy
      } else {
        UnsafeByteOperations.unsafeWriteTo(rest, direct);
      }
      total += rest.size();
    }
    return total;
  }

  /** Hands a ByteString's backing bytes to an OutputStream without copying them. */
  private static final class StreamByteOutput extends ByteOutput {
    private final OutputStream out;

    StreamByteOutput(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(byte value) throws IOException {
      out.write(value);
    }

    @Override
    public void write(byte[] value, int offset, int length) throws IOException {
      out.write(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) throws IOException {
      out.write(value, offset, length);
    }

    @Override
    public void write(java.nio.ByteBuffer value) throws IOException {
      byte[] copy = new byte[value.remaining()];
      value.get(copy);
      out.write(copy);
    }

    @Override
    public void writeLazy(java.nio.ByteBuffer value) throws IOException {
      write(value);
    }
  }

  @Override
  public int available() {
    return chunk.size() - position;
  }

  /** True once data is buffered; false at the clean end. */
  private boolean fill() throws IOException {
    while (position == chunk.size()) {
      if (failure != null) {
        throw failure;
      }
      if (ended) {
        return false;
      }
      if (closed) {
        throw new IOException("byte stream " + stream.id() + " is closed");
      }
      Any message;
      try {
        message = stream.receive();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted reading byte stream " + stream.id());
      } catch (TtrpcException e) {
        throw failed(e.status());
      }
      if (message == null) {
        ended = true;
        stream.close();
        return false;
      }
      accept(message);
    }
    return true;
  }

  private void accept(Any message) throws IOException {
    if (DataMessages.isData(message)) {
      try {
        chunk = DataMessages.payload(message);
      } catch (InvalidProtocolBufferException e) {
        Status malformed =
            Status.of(StatusCode.INVALID_ARGUMENT, "malformed Data: " + e.getMessage());
        stream.fail(malformed);
        throw failed(malformed);
      }
      position = 0;
      grantIfDue(0, chunk.size()); // the credit held back while a window was unread
    } else if (StreamingProtocol.isAbort(message)) {
      Status status = StreamingProtocol.abortStatus(message);
      stream.cancel();
      throw failed(status);
    } else {
      log.debug("ignoring a {} on byte stream {}", message.getTypeUrl(), stream.id());
    }
  }

  private IOException failed(Status status) {
    failure = new StreamAbortedException("byte stream " + stream.id() + " failed", status);
    return failure;
  }

  /**
   * Closes the receiving end. Before the end of the data this fails the stream with CANCELLED, so
   * the sender learns that nobody reads any more; afterwards it only releases the stream.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ended || failure != null) {
      stream.close();
    } else {
      stream.fail(
          Status.of(
              StatusCode.CANCELLED,
              "receiver of byte stream " + stream.id() + " stopped before the end of data"));
    }
  }
}
