package dev.transferd.plugin.registry;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a registry request is tried again: connection failures, 408, 429 and 5xx (but 501) are
 * retried up to {@code maxAttempts} in all, waiting an exponential backoff from {@code
 * initialBackoff} up to {@code maxBackoff} with jitter (half to all of the step), or what {@code
 * Retry-After} asks (seconds or an HTTP date), capped at {@code maxRetryAfter} — containerd ignores
 * Retry-After.
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(6, Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(60));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
  }

  static boolean retryable(int status) {
    return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
  }

  /** How long to wait before attempt {@code attempt + 1} (attempts count from 1). */
  Duration delay(int attempt, HttpHeaders headers) {
    if (headers != null) {
      Duration asked = retryAfter(headers.firstValue("Retry-After").orElse(null));
      if (asked != null) {
        return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
      }
    }
    long step = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    step = Math.min(step, maxBackoff.toMillis());
    long jittered = step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    return Duration.ofMillis(jittered);
  }

  static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException e) {
      // an HTTP date
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(Instant.now(), at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
