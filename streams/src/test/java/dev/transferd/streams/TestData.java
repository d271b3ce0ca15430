package dev.transferd.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Deterministic pseudo-random data of any size, generated while read, and digests of streams. */
public final class TestData {
  private TestData() {}

  /** {@code size} pseudo-random bytes from {@code seed}, produced as they are read. */
  public static InputStream random(long seed, long size) {
    return new InputStream() {
      private final SplittableRandom random = new SplittableRandom(seed);
      private long left = size;
      private long bits; // unused bytes of the last random long, lowest first
      private int bitsLeft;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          if (bitsLeft == 0) {
            bits = random.nextLong();
            bitsLeft = 8;
          }
          b[off + i] = (byte) bits;
          bits >>>= 8;
          bitsLeft--;
        }
        left -= n;
        return n;
      }
    };
  }

  public static byte[] bytes(long seed, int size) {
    try {
      return random(seed, size).readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** An output stream that only digests what is written. */
  public static final class DigestingOutputStream extends OutputStream {
    private final MessageDigest digest = sha256();
    private long count;

    @Override
    public void write(int b) {
      digest.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      digest.update(b, off, len);
      count += len;
    }

    public long count() {
      return count;
    }

    public String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /** SHA-256 of everything {@code in} yields, read in {@code bufferSize} pieces. */
  public static String sha256(InputStream in, int bufferSize) throws IOException {
    DigestingOutputStream out = new DigestingOutputStream();
    byte[] buffer = new byte[bufferSize];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
    }
    return out.hex();
  }

  public static String sha256(long seed, long size) {
    try {
      return sha256(random(seed, size), 64 * 1024);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
