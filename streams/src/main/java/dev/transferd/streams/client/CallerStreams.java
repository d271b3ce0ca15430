package dev.transferd.streams.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Wrappers for the caller's own {@code InputStream} and {@code OutputStream} that mark their
 * exceptions, so a transfer can tell a failure of the caller's stream (reported as itself) from a
 * failure of the byte stream to the server.
 */
final class CallerStreams {
  private CallerStreams() {}

  /** Marks an exception of the caller's own stream on its way through ours. */
  static final class MarkedException extends IOException {
    MarkedException(IOException cause) {
      super(cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  /** The caller's input stream, with its exceptions marked. */
  static final class Input extends InputStream {
    private final InputStream in;

    Input(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        throw new MarkedException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw new MarkedException(e);
      }
    }
  }

  /** The caller's output stream, with its exceptions marked. */
  static final class Output extends OutputStream {
    private final OutputStream out;

    Output(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new MarkedException(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new MarkedException(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw new MarkedException(e);
      }
    }
  }
}
