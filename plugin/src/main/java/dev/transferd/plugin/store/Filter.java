package dev.transferd.plugin.store;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * containerd's filter syntax, used by every list method of the store and the services ({@code
 * filters.Parse}): a filter is selectors joined by {@code ,} (all must hold); a list of filters
 * matches when any one does.
 *
 * <pre>
 * filter    := selector ("," selector)*
 * selector  := fieldpath [ op value ]        (no op: the field is present)
 * fieldpath := field ("." field)*
 * field     := quoted | [A-Za-z_][A-Za-z0-9_]*
 * op        := "==" | "!=" | "~="            (~= is a regular expression search)
 * value     := quoted | [^,]*                (unquoted: up to the next ",", trimmed)
 * quoted    := '"' (char | '\' escape)* '"'
 * </pre>
 *
 * Examples: {@code name==docker.io/library/alpine:3}, {@code labels."containerd.io/gc.root"},
 * {@code target.mediatype~=manifest,labels.env==prod}. A malformed filter is INVALID_ARGUMENT
 * naming the filter and the position.
 */
public final class Filter {
  /** Gives a record's value at a field path, or empty when the record has no such field. */
  @FunctionalInterface
  public interface Fields {
    Optional<String> get(List<String> fieldpath);

    /**
     * The standard lookup for {@code labels.<key>} (the rest of the path joined by {@code .}, as
     * containerd's adaptors do).
     */
    static Optional<String> label(Map<String, String> labels, List<String> rest) {
      if (rest.isEmpty()) {
        return Optional.empty();
      }
      return Optional.ofNullable(labels.get(String.join(".", rest)));
    }
  }

  private enum Op {
    PRESENT,
    EQUAL,
    NOT_EQUAL,
    MATCHES
  }

  private record Selector(List<String> fieldpath, Op op, String value, Pattern pattern) {
    boolean test(Fields fields) {
      Optional<String> v = fields.get(fieldpath);
      return switch (op) {
        case PRESENT -> v.isPresent();
        case EQUAL -> v.isPresent() && v.get().equals(value);
        case NOT_EQUAL -> v.isEmpty() || !v.get().equals(value);
        case MATCHES -> v.isPresent() && pattern.matcher(v.get()).find();
      };
    }
  }

  private final List<List<Selector>> alternatives;

  private Filter(List<List<Selector>> alternatives) {
    this.alternatives = alternatives;
  }

  /** Parses filters (any may match); an empty list matches everything. */
  public static Filter parseAny(List<String> filters) {
    List<List<Selector>> alternatives = new ArrayList<>();
    for (String f : filters) {
      if (f == null || f.isBlank()) {
        continue;
      }
      alternatives.add(new Parser(f).parse());
    }
    return new Filter(alternatives);
  }

  public boolean matches(Fields fields) {
    if (alternatives.isEmpty()) {
      return true;
    }
    for (List<Selector> all : alternatives) {
      if (all.stream().allMatch(s -> s.test(fields))) {
        return true;
      }
    }
    return false;
  }

  /** A hand-written scanner over one filter string. */
  private static final class Parser {
    private final String input;
    private int pos;

    Parser(String input) {
      this.input = input;
    }

    List<Selector> parse() {
      List<Selector> selectors = new ArrayList<>();
      while (true) {
        skipSpaces();
        selectors.add(selector());
        skipSpaces();
        if (pos == input.length()) {
          return selectors;
        }
        expect(',');
      }
    }

    private Selector selector() {
      List<String> path = new ArrayList<>();
      path.add(field());
      while (peek() == '.') {
        pos++;
        path.add(field());
      }
      skipSpaces();
      Op op = operator();
      if (op == Op.PRESENT) {
        return new Selector(List.copyOf(path), op, null, null);
      }
      skipSpaces();
      String value = value();
      Pattern pattern = null;
      if (op == Op.MATCHES) {
        try {
          pattern = Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw error("invalid regular expression " + value + ": " + e.getDescription());
        }
      }
      return new Selector(List.copyOf(path), op, value, pattern);
    }

    private String field() {
      if (peek() == '"') {
        return quoted();
      }
      int start = pos;
      while (pos < input.length()) {
        char c = input.charAt(pos);
        boolean ok = Character.isLetter(c) || c == '_' || (pos > start && Character.isDigit(c));
        if (!ok) {
          break;
        }
        pos++;
      }
      if (pos == start) {
        throw error("expected a field name");
      }
      return input.substring(start, pos);
    }

    private Op operator() {
      if (pos >= input.length() || peek() == ',') {
        return Op.PRESENT;
      }
      if (input.startsWith("==", pos)) {
        pos += 2;
        return Op.EQUAL;
      }
      if (input.startsWith("!=", pos)) {
        pos += 2;
        return Op.NOT_EQUAL;
      }
      if (input.startsWith("~=", pos)) {
        pos += 2;
        return Op.MATCHES;
      }
      throw error("expected one of ==, != or ~=");
    }

    private String value() {
      if (peek() == '"') {
        return quoted();
      }
      int start = pos;
      while (pos < input.length() && input.charAt(pos) != ',') {
        pos++;
      }
      String v = input.substring(start, pos).strip();
      if (v.isEmpty()) {
        throw error("expected a value");
      }
      return v;
    }

    private String quoted() {
      int open = pos;
      pos++;
      StringBuilder out = new StringBuilder();
      while (pos < input.length()) {
        char c = input.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          if (pos >= input.length()) {
            break;
          }
          char e = input.charAt(pos++);
          out.append(
              switch (e) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                default -> e;
              });
        } else {
          out.append(c);
        }
      }
      pos = open;
      throw error("unterminated quoted string");
    }

    private char peek() {
      return pos < input.length() ? input.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private void skipSpaces() {
      while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
        pos++;
      }
    }

    private StoreException error(String what) {
      return StoreException.invalidArgument(
          "invalid filter \"" + input + "\" at position " + pos + ": " + what);
    }
  }
}
