package dev.transferd.plugin.daemon;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each key of a TOML document was written: the line of a table header or of a {@code key =
 * value}, by its full key path. Jackson's TOML reader builds a tree without positions, so the
 * config checks look lines up here to name them in errors and warnings.
 *
 * <p>Paths are the unquoted keys joined by {@code "\u0000"}; each table of an array of tables adds
 * its index, so {@code [[a.b]]} written twice gives {@code a, b, 0} and {@code a, b, 1}. This is a
 * line scanner, not a parser: it follows headers, dotted and quoted keys, comments, and values
 * spanning lines (multi-line strings and arrays); the document is known to be valid TOML, since
 * Jackson parsed it first.
 */
final class TomlLines {
  private final Map<String, Integer> lines = new HashMap<>();

  private TomlLines() {}

  /** Indexes {@code text}. */
  static TomlLines index(String text) {
    TomlLines index = new TomlLines();
    index.scan(text);
    return index;
  }

  /** The 1-based line of {@code path}, or 0 when it is not written anywhere (e.g. inline). */
  int lineOf(List<String> path) {
    for (int n = path.size(); n > 0; n--) {
      Integer line = lines.get(key(path.subList(0, n)));
      if (line != null) {
        return line;
      }
    }
    return 0;
  }

  private static String key(List<String> path) {
    return String.join("\u0000", path);
  }

  private void scan(String text) {
    String[] all = text.split("\r?\n", -1);
    List<String> table = List.of();
    Map<String, Integer> arrayCounts = new HashMap<>();
    String openQuote = null; // """ or ''' while inside a multi-line string
    int bracketDepth = 0; // inside a multi-line array value
    for (int i = 0; i < all.length; i++) {
      String line = all[i];
      int lineNumber = i + 1;
      if (openQuote != null) {
        int end = line.indexOf(openQuote);
        if (end < 0) {
          continue;
        }
        openQuote = null;
        line = line.substring(end + 3);
        bracketDepth += depthChange(line);
        continue;
      }
      if (bracketDepth > 0) {
        bracketDepth = Math.max(0, bracketDepth + depthChange(line));
        continue;
      }
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (trimmed.startsWith("[[")) {
        List<String> name = parseKey(trimmed.substring(2, trimmed.indexOf("]]")));
        String arrayKey = key(name);
        int index = arrayCounts.merge(arrayKey, 1, Integer::sum) - 1;
        table = new ArrayList<>(name);
        table.add(Integer.toString(index));
        lines.putIfAbsent(arrayKey, lineNumber);
        lines.putIfAbsent(key(table), lineNumber);
        continue;
      }
      if (trimmed.startsWith("[")) {
        table = parseKey(trimmed.substring(1, closingBracket(trimmed)));
        lines.putIfAbsent(key(table), lineNumber);
        continue;
      }
      int equals = assignment(trimmed);
      if (equals < 0) {
        continue;
      }
      List<String> path = new ArrayList<>(table);
      path.addAll(parseKey(trimmed.substring(0, equals)));
      lines.putIfAbsent(key(path), lineNumber);
      String value = trimmed.substring(equals + 1).strip();
      for (String quote : List.of("\"\"\"", "'''")) {
        if (value.startsWith(quote) && value.indexOf(quote, 3) < 0) {
          openQuote = quote;
        }
      }
      if (openQuote == null) {
        bracketDepth = Math.max(0, depthChange(value));
      }
    }
  }

  /** The index of the {@code =} of a key/value line, outside quoted keys; -1 if none. */
  private static int assignment(String line) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"') {
          i++;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '=') {
        return i;
      }
    }
    return -1;
  }

  /** The index of the {@code ]} ending a table header, past any quoted key containing one. */
  private static int closingBracket(String header) {
    char quote = 0;
    for (int i = 1; i < header.length(); i++) {
      char c = header.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ']') {
        return i;
      }
    }
    return header.length();
  }

  /** Open minus closed brackets of a value, ignoring strings and comments. */
  private static int depthChange(String value) {
    int depth = 0;
    char quote = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#') {
        break;
      } else if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      }
    }
    return depth;
  }

  /** Splits a dotted key such as {@code plugins."a.b".c} into its unquoted parts. */
  static List<String> parseKey(String dotted) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < dotted.length(); i++) {
      char c = dotted.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < dotted.length()) {
          part.append(dotted.charAt(++i));
        } else {
          part.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '.') {
        parts.add(part.toString());
        part.setLength(0);
      } else if (!Character.isWhitespace(c)) {
        part.append(c);
      }
    }
    parts.add(part.toString());
    return parts;
  }
}
