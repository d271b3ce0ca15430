package dev.transferd.plugin.web.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.registry.MediaTypes;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an image's target reaches in the store: its indexes, manifests (with the platform the parent
 * index gives them), configs and layers. Read from the stored JSON documents; a child the store
 * lacks (e.g. a platform left out at pull) is listed as absent and not descended into. Bounded:
 * documents up to {@link #MAX_DOCUMENT} bytes, nesting up to {@link #MAX_DEPTH} indexes.
 */
public record ImageTree(Blob root, List<Blob> indexes, List<Manifest> manifests) {
  public static final int MAX_DOCUMENT = 4 << 20;
  private static final int MAX_DEPTH = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One blob the image references. */
  public record Blob(String digest, String mediaType, long size, boolean present) {}

  /**
   * A manifest, with its config and layers.
   *
   * @param platform {@code os/arch[/variant]} from the parent index, or from the config; "" if
   *     unknown
   */
  public record Manifest(Blob self, String platform, Blob config, List<Blob> layers) {}

  public ImageTree {
    indexes = List.copyOf(indexes);
    manifests = List.copyOf(manifests);
  }

  /** Reads the tree under {@code target} in {@code namespace}. */
  public static ImageTree read(ContentStore content, String namespace, Descriptor target)
      throws IOException {
    Walk walk = new Walk(content, namespace);
    Blob root = walk.blob(target.getDigest(), target.getMediaType(), target.getSize());
    walk.visit(root, "", 0);
    return new ImageTree(root, walk.indexes, walk.manifests);
  }

  /** The media type of every index and manifest by digest: what {@code /v2/} serves by digest. */
  public Map<String, String> documentTypes() {
    Map<String, String> types = new LinkedHashMap<>();
    types.put(root.digest(), root.mediaType());
    indexes.forEach(b -> types.put(b.digest(), b.mediaType()));
    manifests.forEach(m -> types.put(m.self().digest(), m.self().mediaType()));
    return types;
  }

  /** The platforms of the manifests present, in order, without repeats. */
  public List<String> platforms() {
    return manifests.stream()
        .filter(m -> m.self().present())
        .map(Manifest::platform)
        .filter(p -> !p.isEmpty())
        .distinct()
        .toList();
  }

  /** Bytes of every distinct blob present (containerd's image size: what the store holds). */
  public long size() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    List<Blob> all = new ArrayList<>();
    all.add(root);
    all.addAll(indexes);
    for (Manifest m : manifests) {
      all.add(m.self());
      all.add(m.config());
      all.addAll(m.layers());
    }
    all.stream().filter(Blob::present).forEach(b -> sizes.put(b.digest(), b.size()));
    return sizes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Reads a JSON document of at most {@link #MAX_DOCUMENT} bytes. */
  public static JsonNode document(ContentStore content, String namespace, String digest)
      throws IOException {
    try (InputStream in = content.read(namespace, digest, 0)) {
      byte[] bytes = in.readNBytes(MAX_DOCUMENT + 1);
      if (bytes.length > MAX_DOCUMENT) {
        throw new IOException(digest + " is larger than " + MAX_DOCUMENT + " bytes");
      }
      return JSON.readTree(bytes);
    }
  }

  private static final class Walk {
    final ContentStore content;
    final String namespace;
    final List<Blob> indexes = new ArrayList<>();
    final List<Manifest> manifests = new ArrayList<>();

    Walk(ContentStore content, String namespace) {
      this.content = content;
      this.namespace = namespace;
    }

    Blob blob(String digest, String mediaType, long size) {
      Optional<ContentInfo> info = content.info(namespace, digest);
      return new Blob(
          digest, mediaType, info.map(ContentInfo::size).orElse(size), info.isPresent());
    }

    Blob blob(JsonNode d) {
      return blob(d.path("digest").asText(), d.path("mediaType").asText(), d.path("size").asLong());
    }

    void visit(Blob b, String platform, int depth) throws IOException {
      if (!b.present()) {
        if (MediaTypes.isIndex(b.mediaType())) {
          indexes.add(b);
        } else {
          manifests.add(new Manifest(b, platform, new Blob("", "", 0, false), List.of()));
        }
        return;
      }
      JsonNode doc = document(content, namespace, b.digest());
      if (MediaTypes.isIndex(b.mediaType()) || doc.has("manifests")) {
        if (depth > 0) {
          indexes.add(b);
        }
        if (depth >= MAX_DEPTH) {
          return;
        }
        for (JsonNode child : doc.path("manifests")) {
          visit(blob(child), platformOf(child.path("platform")), depth + 1);
        }
        return;
      }
      Blob config = blob(doc.path("config"));
      List<Blob> layers = new ArrayList<>();
      doc.path("layers").forEach(l -> layers.add(blob(l)));
      if (platform.isEmpty() && config.present()) {
        platform = platformOf(document(content, namespace, config.digest()));
      }
      manifests.add(new Manifest(b, platform, config, layers));
    }

    private static String platformOf(JsonNode p) {
      String os = p.path("os").asText();
      String arch = p.path("architecture").asText();
      if (os.isEmpty() || arch.isEmpty()) {
        return "";
      }
      String variant = p.path("variant").asText();
      return os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
    }
  }
}
