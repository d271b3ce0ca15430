package dev.transferd.plugin.transfer;

import dev.transferd.streams.bytestream.ByteStreamReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An import stream as the operation reads it, counting the bytes for the transfer's report. A plain
 * long suffices: one thread reads at a time (the receiver's own contract), and the count is read
 * after the operation has returned. {@link #transferTo} keeps the receiver's copy-free path.
 */
final class CountedArchiveInput extends InputStream {
  private final ByteStreamReceiver receiver;
  private long count;

  CountedArchiveInput(ByteStreamReceiver receiver) {
    this.receiver = receiver;
  }

  String streamId() {
    return receiver.streamId();
  }

  /** Bytes handed to the reader so far. */
  long count() {
    return count;
  }

  @Override
  public int read() throws IOException {
    int b = receiver.read();
    if (b >= 0) {
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = receiver.read(b, off, len);
    if (n > 0) {
      count += n;
    }
    return n;
  }

  @Override
  public long transferTo(OutputStream out) throws IOException {
    long n = receiver.transferTo(out);
    count += n;
    return n;
  }

  @Override
  public int available() {
    return receiver.available();
  }

  @Override
  public void close() {
    receiver.close();
  }
}
