package dev.transferd.plugin.daemon;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way containerd's TOML writes them (Go's {@code time.ParseDuration}): a
 * sequence of decimal numbers with units {@code ns us µs ms s m h}, such as {@code "10s"} or {@code
 * "1m30s"}, or {@code "0"}.
 */
final class GoDuration {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the expected form when {@code text} is not a duration
   */
  static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < text.length() && m.find(at) && m.start() == at) {
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit(m.group(2)))));
      at = m.end();
    }
    if (at == 0 || at != text.length()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a duration (write e.g. \"10s\", \"1m30s\", \"500ms\")");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private static long unit(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L;
    };
  }
}
