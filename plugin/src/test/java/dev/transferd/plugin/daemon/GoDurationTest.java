package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cases from the table Go's {@code time.ParseDuration} is tested against. */
class GoDurationTest {
  @Test
  void simpleAndCompoundDurationsParse() {
    assertEquals(Duration.ZERO, GoDuration.parse("0"));
    assertEquals(Duration.ofSeconds(5), GoDuration.parse("5s"));
    assertEquals(Duration.ofSeconds(30), GoDuration.parse("30s"));
    assertEquals(Duration.ofSeconds(1478), GoDuration.parse("1478s"));
    assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
    assertEquals(Duration.ofHours(2), GoDuration.parse("2h"));
    assertEquals(Duration.ofHours(3).plusMinutes(30), GoDuration.parse("3h30m"));
    assertEquals(Duration.ofMinutes(4).plusMillis(10_500), GoDuration.parse("10.5s4m"));
  }

  @Test
  void signsAreAccepted() {
    assertEquals(Duration.ofSeconds(-5), GoDuration.parse("-5s"));
    assertEquals(Duration.ofSeconds(5), GoDuration.parse("+5s"));
    assertEquals(Duration.ZERO, GoDuration.parse("-0"));
    assertEquals(Duration.ZERO, GoDuration.parse("+0"));
  }

  @Test
  void decimalPointsMayLackDigitsOnOneSide() {
    assertEquals(Duration.ofSeconds(5), GoDuration.parse("5.0s"));
    assertEquals(Duration.ofMillis(5_600), GoDuration.parse("5.6s"));
    assertEquals(Duration.ofSeconds(5), GoDuration.parse("5.s"));
    assertEquals(Duration.ofMillis(500), GoDuration.parse(".5s"));
    assertEquals(Duration.ofSeconds(1), GoDuration.parse("1.0s"));
    assertEquals(Duration.ofMillis(1_004), GoDuration.parse("1.004s"));
  }

  @Test
  void everyUnitParses() {
    assertEquals(Duration.ofNanos(10), GoDuration.parse("10ns"));
    assertEquals(Duration.ofNanos(11_000), GoDuration.parse("11us"));
    assertEquals(Duration.ofNanos(12_000), GoDuration.parse("12\u00b5s"));
    assertEquals(Duration.ofNanos(12_000), GoDuration.parse("12\u03bcs"));
    assertEquals(Duration.ofMillis(13), GoDuration.parse("13ms"));
    assertEquals(Duration.ofSeconds(14), GoDuration.parse("14s"));
    assertEquals(Duration.ofMinutes(15), GoDuration.parse("15m"));
    assertEquals(Duration.ofHours(16), GoDuration.parse("16h"));
  }

  @Test
  void fractionsBelowANanosecondAreTruncated() {
    assertEquals(Duration.ofNanos(1), GoDuration.parse("1.9ns"));
    assertEquals(Duration.ofNanos(1_001), GoDuration.parse("1.0019us"));
  }

  @Test
  void theLargestDurationsGoCanHoldParse() {
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), GoDuration.parse("9223372036854775807ns"));
    assertEquals(Duration.ofNanos(Long.MIN_VALUE), GoDuration.parse("-9223372036854775808ns"));
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), GoDuration.parse("2562047h47m16.854775807s"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"9223372036854775808ns", "2562048h", "-9223372036854775809ns"})
  void durationsBeyondGoRangeAreRefusedNotWrapped(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertEquals(
        "\"" + text + "\" is out of range (a duration is at most 2562047h47m16.854775807s)",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "3", "-", "s", ".", "-.", ".s", "+.s", "10s ", "1d", "1.5.s", "--1s"})
  void malformedDurationsAreRefusedNamingTheForm(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertEquals(
        "\"" + text + "\" is not a duration (write e.g. \"10s\", \"1m30s\", \"500ms\")",
        e.getMessage());
  }
}
