package dev.transferd.plugin.archive;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Compression an archive or a layer may carry, told by its magic bytes. */
public enum Compression {
  NONE,
  GZIP,
  ZSTD;

  /** Enough leading bytes to tell. */
  public static final int MAGIC_LENGTH = 4;

  public static Compression detect(byte[] head, int length) {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (length >= 4
        && (head[0] & 0xff) == 0x28
        && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    return NONE;
  }

  public InputStream decompress(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case ZSTD -> new ZstdInputStream(in);
    };
  }
}
