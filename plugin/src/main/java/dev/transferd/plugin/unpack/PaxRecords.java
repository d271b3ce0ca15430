package dev.transferd.plugin.unpack;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * PAX extended header records (POSIX.1-2001 {@code pax}, "extended header"): {@code "<length>
 * <key>=<value>\n"} each, the length counting the whole record, its own digits included. Values are
 * raw bytes, as Go's tar writer and reader treat them.
 */
final class PaxRecords {
  private PaxRecords() {}

  static byte[] encode(Map<String, byte[]> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int rest = 1 + key.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
      int length = rest + Integer.toString(rest).length();
      if (Integer.toString(length).length() > Integer.toString(rest).length()) {
        length++; // one more digit (e.g. 99 + 2 -> 101 needs 3)
      }
      out.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
      out.write(' ');
      out.writeBytes(key);
      out.write('=');
      out.writeBytes(r.getValue());
      out.write('\n');
    }
    return out.toByteArray();
  }
}
