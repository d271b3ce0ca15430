package dev.transferd.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ctr's {@code --label key=value} options. */
final class Labels {
  private Labels() {}

  static Map<String, String> parse(List<String> labels) {
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String label : labels) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--label must be key=value: \"" + label + "\"");
      }
      parsed.put(label.substring(0, eq), label.substring(eq + 1));
    }
    return parsed;
  }
}
