package dev.transferd.plugin.registry;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint that serves a reference's host: the registry itself or a mirror from {@code
 * hosts.toml} (docs/protocol/transfer.md §7.4).
 *
 * @param scheme {@code https} or {@code http}
 * @param authority {@code host[:port]} requests go to
 * @param path the API root, {@code /v2} unless {@code override_path} set another
 * @param capabilities what the endpoint may be used for
 * @param headers extra headers sent on every request to it
 * @param tls the TLS configuration for {@code https}
 * @param httpFallback whether a failed TLS handshake retries in plain HTTP (loopback hosts with a
 *     port and no configuration, as containerd does)
 */
record RegistryHost(
    String scheme,
    String authority,
    String path,
    Set<Capability> capabilities,
    Map<String, List<String>> headers,
    TlsConfig tls,
    boolean httpFallback) {

  enum Capability {
    PULL,
    RESOLVE,
    PUSH
  }

  static final Set<Capability> ALL = EnumSet.allOf(Capability.class);

  RegistryHost {
    capabilities = Set.copyOf(capabilities);
    headers = Map.copyOf(headers);
  }

  boolean can(Capability capability) {
    return capabilities.contains(capability);
  }

  /** The URI of {@code suffix} (starting with {@code /}) under the API root. */
  URI uri(String suffix) {
    return URI.create(scheme + "://" + authority + path + suffix);
  }

  RegistryHost withScheme(String newScheme) {
    return new RegistryHost(newScheme, authority, path, capabilities, headers, tls, false);
  }

  /** The host name without port, for certificate and credential lookups. */
  String hostName() {
    return URI.create("x://" + authority).getHost();
  }

  @Override
  public String toString() {
    return scheme + "://" + authority + path;
  }
}
