package dev.transferd.plugin.transfer;

import java.io.IOException;
import java.io.InputStream;

/**
 * A client's source that breaks part way: it reads {@code data}, then throws {@code failure} where
 * the end of the stream would be, as a disk error or a vanished client does.
 */
public final class BreakingInputStream extends InputStream {
  private final InputStream data;
  private final IOException failure;

  public BreakingInputStream(InputStream data, IOException failure) {
    this.data = data;
    this.failure = failure;
  }

  @Override
  public int read() {
    throw new UnsupportedOperationException("read in blocks");
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = data.read(b, off, len);
    if (n < 0) {
      throw failure;
    }
    return n;
  }
}
