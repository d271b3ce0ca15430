package dev.transferd.plugin.daemon;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context {@code traceparent} value, {@code 00-<trace id>-<parent span id>-<flags>}, as
 * containerd's otelttrpc carries it in ttrpc request metadata. Parsing follows the W3C rules a
 * receiver applies: a malformed value, an all-zero id or version {@code ff} is ignored (empty),
 * never an error for the call; versions above 00 may append fields after the flags.
 */
record TraceParent(String traceId, String parentId, String flags) {
  /** The metadata keys otelttrpc writes (the W3C header names, lower case). */
  static final String KEY = "traceparent";

  static final String STATE_KEY = "tracestate";

  private static final Pattern FORMAT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  static Optional<TraceParent> parse(String value) {
    var m = FORMAT.matcher(value.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    String version = m.group(1);
    if (version.equals("ff") || (version.equals("00") && m.group(5) != null)) {
      return Optional.empty();
    }
    if (m.group(2).chars().allMatch(c -> c == '0') || m.group(3).chars().allMatch(c -> c == '0')) {
      return Optional.empty();
    }
    return Optional.of(new TraceParent(m.group(2), m.group(3), m.group(4)));
  }
}
