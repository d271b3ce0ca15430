package dev.transferd.plugin.daemon;

/**
 * Checks a {@code host:port} listening address ({@code 127.0.0.1:9310}, {@code [::1]:9310}, {@code
 * localhost:9310}, {@code :9310} for every interface; port 0 picks a free one) without resolving
 * the host.
 */
final class HostPort {
  private HostPort() {}

  /** Why {@code address} is not a {@code host:port}, or null when it is one. */
  static String problem(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      return "has no :PORT";
    }
    String host = address.substring(0, colon);
    String port = address.substring(colon + 1);
    if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
      return "has no port between 0 and 65535 after its last colon";
    }
    if (host.startsWith("[") != host.endsWith("]")) {
      return "has an unclosed [ ] around its IPv6 host";
    }
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (bare.contains(":") && !host.startsWith("[")) {
      return "needs [ ] around an IPv6 host, e.g. [::1]:9310";
    }
    if (!bare.matches("[A-Za-z0-9._:%-]*")) {
      return "has a host that is neither an IP address nor a host name";
    }
    return null;
  }
}
