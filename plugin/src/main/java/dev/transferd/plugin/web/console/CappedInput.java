package dev.transferd.plugin.web.console;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upload's body as the importer reads it: counted into the operation's progress, and cut off
 * with {@link TooLarge} as soon as it passes the cap, so an oversized upload fails while it streams
 * rather than after it has all arrived.
 */
final class CappedInput extends FilterInputStream {
  /** The upload passed the cap. */
  static final class TooLarge extends IOException {
    TooLarge(long cap) {
      super("upload exceeds the limit of " + cap + " bytes");
    }
  }

  private final long cap;
  private final AtomicLong count;
  private volatile boolean exceeded;

  CappedInput(InputStream in, long cap, AtomicLong count) {
    super(in);
    this.cap = cap;
    this.count = count;
  }

  boolean exceeded() {
    return exceeded;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0 && count.addAndGet(n) > cap) {
      exceeded = true;
      throw new TooLarge(cap);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return super.skip(n); // the importer reads every byte; skipping is not counted against the cap
  }
}
