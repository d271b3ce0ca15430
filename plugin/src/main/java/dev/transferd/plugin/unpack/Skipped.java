package dev.transferd.plugin.unpack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an unprivileged unpack could not make, as rootless umoci skips it: ownership other than the
 * unpacking user's, device nodes, and xattrs outside the {@code user.} namespace (e.g. {@code
 * security.capability}). Each kind keeps its count and the first {@value #EXAMPLES} paths. Not
 * thread-safe: one unpack.
 */
final class Skipped {
  static final int EXAMPLES = 5;

  /** One kind of skipped metadata. */
  record Kind(String what, int count, List<String> examples) {
    Kind {
      examples = List.copyOf(examples);
    }

    @Override
    public String toString() {
      return what
          + " of "
          + count
          + (count == 1 ? " entry" : " entries")
          + " (e.g. "
          + String.join(", ", examples)
          + ")";
    }
  }

  private final Map<String, List<String>> examples = new LinkedHashMap<>();
  private final Map<String, Integer> counts = new LinkedHashMap<>();

  void add(String what, String path) {
    counts.merge(what, 1, Integer::sum);
    List<String> some = examples.computeIfAbsent(what, k -> new ArrayList<>());
    if (some.size() < EXAMPLES) {
      some.add(path);
    }
  }

  List<Kind> kinds() {
    List<Kind> kinds = new ArrayList<>();
    counts.forEach((what, count) -> kinds.add(new Kind(what, count, examples.get(what))));
    return kinds;
  }
}
