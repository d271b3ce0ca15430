package dev.transferd.plugin.registry;

import dev.transferd.plugin.registry.RegistryHost.Capability;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One repository as the endpoint classes see it: the reference, its hosts in order, and the caller
 * that sends requests. Mirrors get {@code ?ns=<reference host>}, as containerd sends it.
 */
record RegistryRepository(ImageRef ref, List<RegistryHost> hosts, RegistryHttp http) {
  List<RegistryHost> hosts(Capability capability) {
    return hosts.stream().filter(h -> h.can(capability)).toList();
  }

  /** The URI of {@code /<repository>/<suffix>} on {@code host}, {@code query} without {@code ?}. */
  URI uri(RegistryHost host, String suffix, String query) {
    String q = query == null ? "" : query;
    if (isMirror(host)) {
      q =
          (q.isEmpty() ? "" : q + "&")
              + "ns="
              + URLEncoder.encode(ref.host(), StandardCharsets.UTF_8);
    }
    return host.uri("/" + ref.repository() + "/" + suffix + (q.isEmpty() ? "" : "?" + q));
  }

  private boolean isMirror(RegistryHost host) {
    String own = ref.host().equals(ImageRef.DOCKER_HUB) ? "registry-1.docker.io" : ref.host();
    return !host.authority().equalsIgnoreCase(own);
  }

  List<String> pullScope() {
    return List.of("repository:" + ref.repository() + ":pull");
  }

  List<String> pushScope() {
    return List.of("repository:" + ref.repository() + ":pull,push");
  }

  /** "<verb> <digest> <from|to> <reference name>", for messages. */
  String what(String verb, String digest, String preposition) {
    return verb + " " + digest + " " + preposition + " " + ref.name();
  }
}
