package dev.transferd.cli;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How listings print labels, times and digests. */
final class Formats {
  private Formats() {}

  /** {@code k=v,k2=v2} sorted by key, or {@code -} for none, as ctr prints labels. */
  static String labels(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return "-";
    }
    return new TreeMap<>(labels)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /** How long ago, as ctr's content listing says it: {@code 3 minutes}, {@code 2 days}. */
  static String age(Timestamp t, Instant now) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return "-";
    }
    Duration d = Duration.between(instant(t), now);
    if (d.isNegative() || d.toSeconds() < 60) {
      return "less than a minute";
    }
    if (d.toMinutes() < 60) {
      return plural(d.toMinutes(), "minute");
    }
    if (d.toHours() < 48) {
      return plural(d.toHours(), "hour");
    }
    return plural(d.toDays(), "day");
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
