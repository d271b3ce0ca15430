package dev.transferd.plugin.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.registry.MediaTypes;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The children of a manifest or index, read from its raw bytes (which are never re-serialized), and
 * the containerd labels that tie them to their parent (docs/protocol/transfer.md §10): {@code
 * containerd.io/gc.ref.content.m.<i>} for an index's manifests, {@code .config} and {@code .l.<i>}
 * for a manifest's config and layers.
 */
final class ImageGraph {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String GC_REF = "containerd.io/gc.ref.content.";
  static final String DISTRIBUTION_SOURCE = "containerd.io/distribution.source.";

  /** A child descriptor, its platform (index entries only) and its GC label key on the parent. */
  record Child(Descriptor descriptor, Platform platform, String gcLabel) {}

  private ImageGraph() {}

  static boolean hasChildren(Descriptor d) {
    return MediaTypes.isManifest(d.getMediaType()) || MediaTypes.isIndex(d.getMediaType());
  }

  /**
   * The children of {@code parent} whose bytes are {@code bytes}; none for other blobs.
   *
   * @throws TtrpcException INVALID_ARGUMENT naming the digest for malformed JSON
   */
  static List<Child> children(Descriptor parent, byte[] bytes) {
    if (!hasChildren(parent)) {
      return List.of();
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT,
          parent.getDigest() + " is not a valid " + parent.getMediaType());
    }
    List<Child> out = new ArrayList<>();
    if (MediaTypes.isIndex(parent.getMediaType())) {
      int i = 0;
      for (JsonNode m : root.path("manifests")) {
        out.add(new Child(descriptor(parent, m), platform(m.get("platform")), GC_REF + "m." + i++));
      }
    } else {
      JsonNode config = root.get("config");
      if (config == null) {
        throw new TtrpcException(
            StatusCode.INVALID_ARGUMENT, "manifest " + parent.getDigest() + " has no config");
      }
      out.add(new Child(descriptor(parent, config), null, GC_REF + "config"));
      int i = 0;
      for (JsonNode l : root.path("layers")) {
        out.add(new Child(descriptor(parent, l), null, GC_REF + "l." + i++));
      }
    }
    return out;
  }

  /** The GC labels a parent carries for the children it keeps. */
  static Map<String, String> gcLabels(List<Child> kept) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (Child c : kept) {
      labels.put(c.gcLabel(), c.descriptor().getDigest());
    }
    return labels;
  }

  /** {@code existing} (a comma-separated sorted list) with {@code repo} added. */
  static String addSource(String existing, String repo) {
    java.util.TreeSet<String> repos = new java.util.TreeSet<>();
    if (existing != null && !existing.isEmpty()) {
      repos.addAll(List.of(existing.split(",")));
    }
    repos.add(repo);
    return String.join(",", repos);
  }

  private static Descriptor descriptor(Descriptor parent, JsonNode n) {
    String digest = n.path("digest").asText("");
    long size = n.path("size").asLong(-1);
    String type = n.path("mediaType").asText("");
    if (digest.isEmpty() || size < 0) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT,
          parent.getDigest() + " lists a descriptor without digest or size");
    }
    try {
      dev.transferd.plugin.registry.Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT, parent.getDigest() + " lists " + e.getMessage());
    }
    Descriptor.Builder b =
        Descriptor.newBuilder().setMediaType(type).setDigest(digest).setSize(size);
    Map<String, String> annotations = new HashMap<>();
    n.path("annotations")
        .fields()
        .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return b.putAllAnnotations(annotations).build();
  }

  private static Platform platform(JsonNode p) {
    if (p == null || !p.isObject()) {
      return null;
    }
    return Platform.newBuilder()
        .setOs(p.path("os").asText(""))
        .setArchitecture(p.path("architecture").asText(""))
        .setVariant(p.path("variant").asText(""))
        .setOsVersion(p.path("os.version").asText(""))
        .build();
  }

  /**
   * containerd's ref key for progress names and ingest refs (docs/protocol/transfer.md §6.1):
   * {@code <kind>-<digest>}, or {@code <kind>-<ref.name>@<digest>} when the descriptor names
   * itself.
   */
  static String refKey(Descriptor d) {
    String kind = MediaTypes.refKind(d.getMediaType());
    String name = d.getAnnotationsOrDefault("org.opencontainers.image.ref.name", "");
    return kind + "-" + (name.isEmpty() ? "" : name + "@") + d.getDigest();
  }

  /**
   * Whether {@code p} is one of {@code wanted} (empty = all): os and architecture, then variant.
   */
  static int platformRank(Platform p, List<Platform> wanted) {
    if (wanted.isEmpty()) {
      return 0;
    }
    if (p == null) {
      return 0; // single-platform children are never rejected by platform
    }
    for (int i = 0; i < wanted.size(); i++) {
      Platform w = wanted.get(i);
      if (w.getOs().equals(p.getOs())
          && normalizeArch(w.getArchitecture()).equals(normalizeArch(p.getArchitecture()))
          && (w.getVariant().isEmpty()
              || p.getVariant().isEmpty()
              || w.getVariant().equals(p.getVariant()))) {
        return i;
      }
    }
    return -1;
  }

  private static String normalizeArch(String a) {
    return switch (a) {
      case "x86_64", "x86-64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> a;
    };
  }
}
