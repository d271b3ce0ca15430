package dev.transferd.plugin.web.registry;

import java.util.List;

/**
 * The {@code n} / {@code last} pagination of {@code tags/list} and {@code _catalog}: entries
 * lexically after {@code last}, at most {@code n} of them; {@code n=0} is an empty page. A {@code
 * Link} header names the next page when there may be one.
 */
record Pagination(Integer n, String last) {
  /** Largest page served, whatever {@code n} asks. */
  static final int MAX_PAGE = 10_000;

  /**
   * @throws NumberFormatException when {@code n} is not a non-negative integer
   */
  static Pagination parse(String n, String last) {
    Integer count = null;
    if (n != null && !n.isEmpty()) {
      count = Integer.parseInt(n);
      if (count < 0) {
        throw new NumberFormatException("negative");
      }
    }
    return new Pagination(count, last == null || last.isEmpty() ? null : last);
  }

  /** The page of {@code sorted}; more entries follow when the result is shorter than the rest. */
  List<String> page(List<String> sorted) {
    int from = 0;
    if (last != null) {
      while (from < sorted.size() && sorted.get(from).compareTo(last) <= 0) {
        from++;
      }
    }
    int limit = n == null ? MAX_PAGE : Math.min(n, MAX_PAGE);
    return sorted.subList(from, Math.min(sorted.size(), from + limit));
  }

  /** Whether entries of {@code sorted} come after {@code page}. */
  boolean hasMore(List<String> sorted, List<String> page) {
    if (page.isEmpty()) {
      return false;
    }
    return !sorted.get(sorted.size() - 1).equals(page.get(page.size() - 1));
  }
}
