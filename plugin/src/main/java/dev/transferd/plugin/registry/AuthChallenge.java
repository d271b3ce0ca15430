package dev.transferd.plugin.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge: scheme ({@code bearer}, {@code basic}, lower case) and
 * parameters ({@code realm}, {@code service}, {@code scope}, {@code error}).
 */
record AuthChallenge(String scheme, Map<String, String> params) {
  AuthChallenge {
    params = Map.copyOf(params);
  }

  String param(String name) {
    return params.getOrDefault(name, "");
  }

  /** The challenges in the header values, in order; malformed parts are skipped. */
  static List<AuthChallenge> parse(List<String> headerValues) {
    List<AuthChallenge> out = new ArrayList<>();
    for (String value : headerValues) {
      parseOne(value, out);
    }
    return out;
  }

  private static void parseOne(String s, List<AuthChallenge> out) {
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && s.charAt(i) != ' ' && s.charAt(i) != ',') {
        i++;
      }
      if (start == i) {
        return;
      }
      String scheme = s.substring(start, i).toLowerCase(Locale.ROOT);
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        int save = i;
        while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',')) {
          i++;
        }
        int keyStart = i;
        while (i < n && s.charAt(i) != '=' && s.charAt(i) != ' ' && s.charAt(i) != ',') {
          i++;
        }
        if (i >= n || s.charAt(i) != '=' || keyStart == i) {
          i = save; // not a parameter: the next challenge's scheme, or the end
          break;
        }
        String key = s.substring(keyStart, i).toLowerCase(Locale.ROOT);
        i++;
        StringBuilder v = new StringBuilder();
        if (i < n && s.charAt(i) == '"') {
          i++;
          while (i < n && s.charAt(i) != '"') {
            if (s.charAt(i) == '\\' && i + 1 < n) {
              i++;
            }
            v.append(s.charAt(i++));
          }
          i++;
        } else {
          while (i < n && s.charAt(i) != ',' && s.charAt(i) != ' ') {
            v.append(s.charAt(i++));
          }
        }
        params.put(key, v.toString());
      }
      out.add(new AuthChallenge(scheme, params));
      if (i == n || (i < n && s.charAt(i) != ' ' && s.charAt(i) != ',')) {
        i = Math.max(i, start + 1);
      }
    }
  }
}
