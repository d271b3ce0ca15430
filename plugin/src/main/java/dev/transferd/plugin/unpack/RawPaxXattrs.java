package dev.transferd.plugin.unpack;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Watches a tar stream on its way into commons-compress and keeps each entry's {@code
 * SCHILY.xattr.*} PAX values as raw bytes. commons-compress decodes PAX values as UTF-8 text, which
 * loses any value that is not valid UTF-8 (a {@code security.capability} naming capability 7, 15,
 * 23 or 31 has a 0x80 byte); Go's tar writer, which made most layers, writes them as raw bytes.
 *
 * <p>The tap follows the tar's member layout itself (512-byte headers, contents padded to 512, the
 * PAX {@code size} override) and queues one map per real entry; the applier takes one per entry
 * commons-compress returns, and uses a raw value only when it decodes to exactly commons' string,
 * so a tar the two read differently loses nothing it would not have lost anyway. Skipping reads
 * through, so everything below (the diff_id hash) still sees every byte. One thread.
 */
final class RawPaxXattrs extends FilterInputStream {
  private static final String XATTR = "SCHILY.xattr.";

  /** PAX headers larger than this are not kept (commons-compress reads them itself). */
  private static final int MAX_PAX = 1 << 20;

  private final Deque<Map<String, byte[]>> entries = new ArrayDeque<>();
  private final byte[] header = new byte[512];
  private int headerFill;
  private long remaining;
  private ByteArrayOutputStream pax;
  private long paxSize;
  private Map<String, byte[]> pendingXattrs = Map.of();
  private long pendingSize = -1;

  RawPaxXattrs(InputStream in) {
    super(in);
  }

  /** The raw xattrs of the next entry, in tar order; empty when there are none. */
  Map<String, byte[]> next() {
    Map<String, byte[]> m = entries.pollFirst();
    return m == null ? Map.of() : m;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      feed(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      feed(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 8192)];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void feed(byte[] b, int off, int len) {
    int end = off + len;
    while (off < end) {
      if (remaining > 0) {
        int k = (int) Math.min(remaining, end - off);
        if (pax != null && pax.size() + k <= MAX_PAX) {
          pax.write(b, off, k);
        }
        remaining -= k;
        off += k;
        if (remaining == 0 && pax != null) {
          byte[] records = pax.toByteArray();
          if (records.length >= paxSize) {
            parsePax(java.util.Arrays.copyOf(records, (int) paxSize)); // without the padding
          }
          pax = null;
        }
      } else {
        int k = Math.min(512 - headerFill, end - off);
        System.arraycopy(b, off, header, headerFill, k);
        headerFill += k;
        off += k;
        if (headerFill == 512) {
          headerFill = 0;
          onHeader();
        }
      }
    }
  }

  private void onHeader() {
    boolean zero = true;
    for (byte x : header) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return;
    }
    long size = number(124, 12);
    char type = (char) header[156];
    switch (type) {
      case 'x', 'X' -> {
        pax = new ByteArrayOutputStream();
        paxSize = size;
        remaining = padded(size);
        if (remaining == 0) {
          pax = null;
        }
      }
      case 'g', 'L', 'K' -> remaining = padded(size);
      default -> {
        entries.addLast(pendingXattrs);
        long content = pendingSize >= 0 ? pendingSize : size;
        pendingXattrs = Map.of();
        pendingSize = -1;
        // links, devices, directories and FIFOs carry no content, whatever the size says (Go)
        boolean headerOnly = "123456".indexOf(type) >= 0;
        remaining = headerOnly ? 0 : padded(content);
      }
    }
  }

  /** PAX records: {@code "<len> <key>=<value>\n"}, the length counting the whole record. */
  private void parsePax(byte[] data) {
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        return;
      }
      int recordEnd = pos + length;
      if (length <= 0 || recordEnd > data.length || data[recordEnd - 1] != '\n') {
        return;
      }
      int eq = space + 1;
      while (eq < recordEnd && data[eq] != '=') {
        eq++;
      }
      if (eq >= recordEnd) {
        return;
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, recordEnd - 1);
      if (key.startsWith(XATTR)) {
        xattrs.put(key.substring(XATTR.length()), value);
      } else if (key.equals("size")) {
        try {
          pendingSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
          pendingSize = -1;
        }
      }
      pos = recordEnd;
    }
    pendingXattrs = xattrs;
  }

  /** An octal field (leading spaces or NULs skipped), or base-256 when the high bit is set. */
  private long number(int at, int length) {
    if ((header[at] & 0x80) != 0) {
      long v = header[at] & 0x7f;
      for (int i = 1; i < length; i++) {
        v = (v << 8) | (header[at + i] & 0xff);
      }
      return v;
    }
    int i = at;
    while (i < at + length && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    long v = 0;
    while (i < at + length && header[i] >= '0' && header[i] <= '7') {
      v = v * 8 + (header[i++] - '0');
    }
    return v;
  }

  private static long padded(long size) {
    return (size + 511) / 512 * 512;
  }
}
