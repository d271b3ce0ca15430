package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.transferd.plugin.registry.RegistryHost.Capability;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The endpoints for a reference's host, from a {@code certs.d}-style directory (containerd's {@code
 * hosts.go}, docs/protocol/transfer.md §7.4): {@code <dir>/<host with :port as _port_>}, {@code
 * <dir>/<host>} or {@code <dir>/_default}, holding {@code hosts.toml} or Docker-style certificate
 * files. Mirrors ({@code [host."..."]}) come first in file order, then the {@code server}.
 *
 * <p>Without configuration: {@code docker.io} is {@code https://registry-1.docker.io}; loopback
 * hosts use {@code https} without a port or on 443, plain {@code http} on port 80, and otherwise
 * try {@code https} without verification then fall back to {@code http}; anything else {@code
 * https}. {@code defaultScheme} (from the request) overrides that choice.
 */
final class HostsDirectory {
  private static final TomlMapper TOML = new TomlMapper();

  private HostsDirectory() {}

  /**
   * The endpoints for {@code host}, in the order to try them.
   *
   * @param hostDir the certs.d directory, or null/empty for none
   * @param defaultScheme {@code http}, {@code https} or null/empty for the rules above
   * @throws RegistryException INVALID_ARGUMENT naming the file when hosts.toml is malformed
   */
  static List<RegistryHost> hosts(String host, String hostDir, String defaultScheme) {
    RegistryHost server = defaultHost(host, defaultScheme);
    if (hostDir == null || hostDir.isEmpty()) {
      return List.of(server);
    }
    Path dir = directoryFor(Path.of(hostDir), host);
    if (dir == null) {
      return List.of(server);
    }
    Path toml = dir.resolve("hosts.toml");
    try {
      if (Files.isRegularFile(toml)) {
        return fromToml(toml, dir, server);
      }
      return List.of(withDockerCertificates(dir, server));
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT,
          "registry host configuration " + toml + ": " + e.getMessage());
    }
  }

  private static Path directoryFor(Path root, String host) {
    List<Path> candidates = new ArrayList<>();
    int colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith("]")) {
      candidates.add(
          root.resolve(host.substring(0, colon) + "_" + host.substring(colon + 1) + "_"));
    }
    candidates.add(root.resolve(host));
    candidates.add(root.resolve("_default"));
    for (Path p : candidates) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }

  static RegistryHost defaultHost(String host, String defaultScheme) {
    String authority = host.equals(ImageRef.DOCKER_HUB) ? "registry-1.docker.io" : host;
    String scheme = "https";
    boolean fallback = false;
    TlsConfig tls = TlsConfig.DEFAULT;
    if (defaultScheme != null && !defaultScheme.isEmpty()) {
      scheme = defaultScheme.toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new RegistryException(
            StatusCode.INVALID_ARGUMENT,
            "default scheme must be http or https, not \"" + defaultScheme + "\"");
      }
    } else if (isLoopback(host)) {
      int port = URI.create("x://" + host).getPort();
      if (port == 80) {
        scheme = "http";
      } else if (port != -1 && port != 443) {
        tls = TlsConfig.INSECURE;
        fallback = true;
      }
    }
    return new RegistryHost(scheme, authority, "/v2", RegistryHost.ALL, Map.of(), tls, fallback);
  }

  static boolean isLoopback(String host) {
    String name = URI.create("x://" + host).getHost();
    if (name == null) {
      return false;
    }
    if (name.equals("localhost")) {
      return true;
    }
    if (!name.matches("[0-9.]+|\\[[0-9a-fA-F:.]+]")) {
      return false; // never resolve names here
    }
    try {
      return InetAddress.getByName(name).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static RegistryHost withDockerCertificates(Path dir, RegistryHost server)
      throws IOException {
    List<Path> cas = new ArrayList<>();
    List<TlsConfig.ClientPair> clients = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.endsWith(".crt")) {
          cas.add(f);
        } else if (name.endsWith(".cert")) {
          Path key = dir.resolve(name.substring(0, name.length() - 5) + ".key");
          if (!Files.exists(key)) {
            throw new IOException("client certificate " + f + " has no key " + key);
          }
          clients.add(new TlsConfig.ClientPair(f, key));
        }
      }
    }
    if (cas.isEmpty() && clients.isEmpty()) {
      return server;
    }
    cas.sort(null);
    clients.sort((a, b) -> a.certificate().compareTo(b.certificate()));
    TlsConfig tls = new TlsConfig(cas, clients, server.tls().skipVerify());
    return new RegistryHost(
        server.scheme(),
        server.authority(),
        server.path(),
        server.capabilities(),
        server.headers(),
        tls,
        false);
  }

  private static List<RegistryHost> fromToml(Path toml, Path dir, RegistryHost server)
      throws IOException {
    JsonNode root = TOML.readTree(toml.toFile());
    List<RegistryHost> hosts = new ArrayList<>();
    JsonNode mirrors = root.path("host");
    for (Iterator<Map.Entry<String, JsonNode>> it = mirrors.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      hosts.add(entry(e.getKey(), e.getValue(), dir, toml, null));
    }
    if (root.hasNonNull("server")) {
      hosts.add(entry(root.get("server").asText(), root, dir, toml, null));
    } else {
      hosts.add(entry(null, root, dir, toml, server));
    }
    return hosts;
  }

  /**
   * One host entry; {@code base} non-null means "the default server, configured by {@code node}".
   */
  private static RegistryHost entry(
      String url, JsonNode node, Path dir, Path toml, RegistryHost base) throws IOException {
    String scheme;
    String authority;
    String path;
    boolean fallback = false;
    if (base != null) {
      scheme = base.scheme();
      authority = base.authority();
      path = base.path();
      fallback = base.httpFallback() && !node.has("skip_verify") && !node.has("ca");
    } else {
      URI uri = URI.create(url.contains("://") ? url : "https://" + url);
      if (uri.getScheme() == null || uri.getAuthority() == null) {
        throw new IOException("bad host URL \"" + url + "\"");
      }
      scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IOException("bad scheme in host URL \"" + url + "\"");
      }
      authority = uri.getRawAuthority();
      path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (!node.path("override_path").asBoolean(false) && !path.endsWith("/v2")) {
        path = path + "/v2";
      }
    }
    Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
    if (node.has("capabilities")) {
      for (JsonNode c : node.get("capabilities")) {
        try {
          capabilities.add(Capability.valueOf(c.asText().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IOException("unknown capability \"" + c.asText() + "\"");
        }
      }
    } else {
      capabilities.addAll(RegistryHost.ALL);
    }
    List<Path> cas = new ArrayList<>();
    for (String ca : strings(node.get("ca"))) {
      cas.add(dir.resolve(ca));
    }
    List<TlsConfig.ClientPair> clients = new ArrayList<>();
    JsonNode client = node.get("client");
    if (client != null) {
      if (client.isTextual()) {
        Path p = dir.resolve(client.asText());
        clients.add(new TlsConfig.ClientPair(p, p));
      } else {
        for (JsonNode c : client) {
          if (c.isTextual()) {
            Path p = dir.resolve(c.asText());
            clients.add(new TlsConfig.ClientPair(p, p));
          } else if (c.isArray() && c.size() == 2) {
            clients.add(
                new TlsConfig.ClientPair(
                    dir.resolve(c.get(0).asText()), dir.resolve(c.get(1).asText())));
          } else {
            throw new IOException("client must be a path or [certificate, key] pairs");
          }
        }
      }
    }
    boolean skipVerify =
        node.path("skip_verify").asBoolean(base != null && base.tls().skipVerify() && fallback);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("header").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      headers.put(h.getKey(), strings(h.getValue()));
    }
    return new RegistryHost(
        scheme,
        authority,
        path,
        capabilities,
        headers,
        new TlsConfig(cas, clients, skipVerify),
        fallback);
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      out.add(node.asText());
    }
    return out;
  }
}
