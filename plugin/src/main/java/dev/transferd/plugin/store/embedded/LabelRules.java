package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** containerd's label rules ({@code labels.Validate}): key non-empty, key + value ≤ 4096 bytes. */
final class LabelRules {
  static final int MAX_LABEL_BYTES = 4096;

  /** Labels that steer the garbage collector (docs/protocol/transfer.md §10). */
  static final String GC_ROOT = "containerd.io/gc.root";

  static final String GC_EXPIRE = "containerd.io/gc.expire";
  static final String GC_REF_CONTENT = "containerd.io/gc.ref.content";

  private LabelRules() {}

  /**
   * True when {@code labels} carry a {@code containerd.io/gc.expire} time (RFC 3339) that has
   * passed: the one expiry rule for images and leases. A value that is not a time never expires, as
   * in containerd, which ignores a label it cannot parse.
   */
  static boolean expired(Map<String, String> labels, Instant now) {
    String expire = labels.get(GC_EXPIRE);
    if (expire == null) {
      return false;
    }
    try {
      return Instant.parse(expire).isBefore(now);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  static void validate(Map<String, String> labels, String owner) {
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String k = e.getKey();
      if (k == null || k.isEmpty()) {
        throw StoreException.invalidArgument("label key must not be empty on " + owner);
      }
      int size =
          k.getBytes(StandardCharsets.UTF_8).length
              + (e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length);
      if (size > MAX_LABEL_BYTES) {
        throw StoreException.invalidArgument(
            "label key and value length ("
                + size
                + " bytes) greater than maximum size ("
                + MAX_LABEL_BYTES
                + " bytes), key: "
                + k
                + " on "
                + owner);
      }
    }
  }
}
