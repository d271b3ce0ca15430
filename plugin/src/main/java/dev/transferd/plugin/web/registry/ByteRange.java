package dev.transferd.plugin.web.registry;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One satisfiable byte range of a blob, from an HTTP {@code Range} header (RFC 9110 §14.1.2):
 * {@code bytes=FIRST-LAST}, {@code bytes=FIRST-} or {@code bytes=-SUFFIX}. Several ranges are not
 * served (a server may ignore Range): the whole blob goes out.
 *
 * @param first offset of the first byte
 * @param length bytes from {@code first}, at least one
 */
record ByteRange(long first, long length) {
  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  /** What a Range header asks of a blob of {@code size} bytes. */
  sealed interface Outcome {}

  /** No usable Range header: send the whole blob with 200. */
  record Whole() implements Outcome {}

  /** Send this part with 206. */
  record Part(ByteRange range) implements Outcome {}

  /** Nothing of the blob is in the range: 416. */
  record Unsatisfiable() implements Outcome {}

  long last() {
    return first + length - 1;
  }

  static Outcome of(String header, long size) {
    if (header == null) {
      return new Whole();
    }
    Matcher m = SINGLE.matcher(header.strip());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return new Whole();
    }
    Optional<ByteRange> range;
    if (m.group(1).isEmpty()) {
      long suffix = Long.parseLong(m.group(2));
      range =
          suffix == 0 || size == 0
              ? Optional.empty()
              : Optional.of(new ByteRange(Math.max(0, size - suffix), Math.min(suffix, size)));
    } else {
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
      if (last < first) {
        return new Whole(); // syntactically invalid: ignored, as RFC 9110 says
      }
      range =
          first >= size
              ? Optional.empty()
              : Optional.of(new ByteRange(first, Math.min(last, size - 1) - first + 1));
    }
    return range.<Outcome>map(Part::new).orElseGet(Unsatisfiable::new);
  }
}
