package dev.transferd.cli;

import java.util.Iterator;
import java.util.Map;

/**
 * Indented JSON for {@code inspect} output, from maps, strings and numbers only. (A JSON library
 * for a dozen fields would cost the CLI start-up time.)
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, "");
    return out.toString();
  }

  private static void write(Object value, StringBuilder out, String indent) {
    switch (value) {
      case Map<?, ?> map -> {
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append("{\n");
        Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        while (entries.hasNext()) {
          Map.Entry<?, ?> e = entries.next();
          out.append(indent).append("  ");
          string(e.getKey().toString(), out);
          out.append(": ");
          write(e.getValue(), out, indent + "  ");
          out.append(entries.hasNext() ? ",\n" : "\n");
        }
        out.append(indent).append('}');
      }
      case Number n -> out.append(n);
      case Boolean b -> out.append(b);
      default -> string(value.toString(), out);
    }
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
