package dev.transferd.plugin.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code [web]} table: where the HTTP server (console and pull endpoint) listens, which
 * namespace it serves, and how it is protected. Off when {@code address} is empty.
 *
 * @param address {@code host:port}, "" for no web server
 * @param namespace the transferd namespace the console manages and {@code /v2/} serves
 * @param tlsCert PEM certificate chain, null for plain HTTP
 * @param tlsKey PEM private key (PKCS#8) for {@code tlsCert}, null for plain HTTP
 * @param htpasswd htpasswd file of bcrypt entries ({@code user:$2y$...}) for basic auth, or null
 * @param tokensFile file of bearer tokens, one per line, or null
 * @param maxUploadBytes most bytes one console upload may send (checked while streaming)
 */
public record WebSettings(
    String address,
    String namespace,
    Path tlsCert,
    Path tlsKey,
    Path htpasswd,
    Path tokensFile,
    long maxUploadBytes) {
  /** The default upload cap: 16 GiB. */
  public static final long DEFAULT_MAX_UPLOAD = 16L << 30;

  public static final WebSettings OFF =
      new WebSettings("", "default", null, null, null, null, DEFAULT_MAX_UPLOAD);

  public WebSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty()) {
      throw new IllegalArgumentException("[web] namespace must not be empty");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("[web] tls_cert and tls_key must be set together");
    }
    if (!address.isEmpty() && !address.matches(".*:\\d{1,5}")) {
      throw new IllegalArgumentException(
          "web address must be host:port such as \"127.0.0.1:8080\", not \"" + address + "\"");
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("[web] max_upload_size must be at least 1 byte");
    }
  }

  public boolean enabled() {
    return !address.isEmpty();
  }

  public boolean tls() {
    return tlsCert != null;
  }

  public boolean authenticates() {
    return htpasswd != null || tokensFile != null;
  }

  /**
   * Refuses an address beyond loopback without both TLS and authentication: the console can delete
   * images and the pull endpoint serves every blob of the namespace.
   *
   * @throws IllegalArgumentException in one sentence saying what to set
   */
  public void requireSafeExposure() {
    if (!enabled() || (tls() && authenticates())) {
      return;
    }
    String host = host(address);
    boolean loopback;
    try {
      loopback = !host.isEmpty() && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("[web] address " + address + ": unknown host " + host);
    }
    if (!loopback) {
      throw new IllegalArgumentException(
          "[web] address "
              + address
              + " listens beyond loopback: set tls_cert and tls_key, and htpasswd or tokens_file,"
              + " or listen on 127.0.0.1");
    }
  }

  /** The host part of {@code host:port} ({@code [v6]:port} unbracketed); "" for all interfaces. */
  static String host(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host;
  }

  static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
