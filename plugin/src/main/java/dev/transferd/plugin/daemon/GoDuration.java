package dev.transferd.plugin.daemon;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way containerd's TOML writes them, parsed by the rules of Go's {@code
 * time.ParseDuration}: an optional sign, then one or more decimal numbers each with a unit ({@code
 * ns}, {@code us}, {@code µs} (U+00B5), {@code μs} (U+03BC), {@code ms}, {@code s}, {@code m},
 * {@code h}), such as {@code "10s"}, {@code "1m30s"}, {@code "1.5h"} or {@code "-2ms"}; or a bare
 * {@code "0"}. A number may omit the digits on one side of its point ({@code ".5s"}, {@code "1.s"})
 * but not on both; fractions below a nanosecond are truncated, as Go does. A value beyond Go's
 * range (about 292 years either way) is refused rather than wrapped.
 */
final class GoDuration {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");

  /** Go's {@code time.Duration} is an int64 of nanoseconds. */
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private static final BigDecimal MIN_NANOS = BigDecimal.valueOf(Long.MIN_VALUE);

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the expected form when {@code text} is not a duration,
   *     or saying it is out of range
   */
  static Duration parse(String text) {
    boolean negative = text.startsWith("-");
    String body = negative || text.startsWith("+") ? text.substring(1) : text;
    if (body.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(body);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < body.length() && m.find(at) && m.start() == at) {
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit(m.group(2)))));
      at = m.end();
    }
    if (at == 0 || at != body.length()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a duration (write e.g. \"10s\", \"1m30s\", \"500ms\")");
    }
    BigDecimal signed = negative ? nanos.negate() : nanos;
    if (signed.compareTo(MAX_NANOS) > 0 || signed.compareTo(MIN_NANOS) < 0) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is out of range (a duration is at most 2562047h47m16.854775807s)");
    }
    return Duration.ofNanos(signed.longValue());
  }

  private static long unit(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "\u00b5s", "\u03bcs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L;
    };
  }
}
