package dev.transferd.plugin.unpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.archive.Digests;
import dev.transferd.plugin.archive.MediaTypes;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One platform's image in the content store: its manifest, config and layers with their diff_ids,
 * found from an image's target (a manifest, or an index whose best matching entry is taken).
 *
 * @param manifest the manifest's descriptor
 * @param manifestJson the manifest's bytes
 * @param config the config's descriptor
 * @param configJson the config's bytes
 * @param layers the layers, bottom first, each with the config's diff_id for it
 */
public record ImageLayers(
    Descriptor manifest,
    byte[] manifestJson,
    Descriptor config,
    byte[] configJson,
    List<Layer> layers) {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A layer blob and the digest of its uncompressed tar. */
  public record Layer(Descriptor blob, String diffId) {}

  public ImageLayers {
    layers = List.copyOf(layers);
  }

  /**
   * Reads the image {@code target} points at for the first platform {@code platforms} accepts.
   *
   * @param maxJson the most bytes a manifest, index or config may have
   * @throws StoreException NOT_FOUND when a blob is missing or no manifest matches the platform;
   *     INVALID_ARGUMENT when a document is malformed or layers and diff_ids disagree
   */
  public static ImageLayers resolve(
      ContentStore content,
      String namespace,
      Descriptor target,
      PlatformMatcher platforms,
      int maxJson)
      throws IOException {
    Descriptor manifest = target;
    if (MediaTypes.isIndex(target.getMediaType())) {
      manifest = pick(content, namespace, target, platforms, maxJson);
    }
    if (!MediaTypes.isManifest(manifest.getMediaType())) {
      throw StoreException.invalidArgument(
          "unpack: "
              + manifest.getDigest()
              + " is a "
              + manifest.getMediaType()
              + ", not an image");
    }
    byte[] manifestJson = read(content, namespace, manifest, maxJson);
    JsonNode m = parse(manifestJson, manifest);
    Descriptor config = descriptor(m.path("config"), "config of " + manifest.getDigest());
    byte[] configJson = read(content, namespace, config, maxJson);
    JsonNode diffIds = parse(configJson, config).path("rootfs").path("diff_ids");
    JsonNode blobs = m.path("layers");
    if (!diffIds.isArray() || diffIds.size() != blobs.size()) {
      throw StoreException.invalidArgument(
          "unpack: config "
              + config.getDigest()
              + " lists "
              + diffIds.size()
              + " diff_ids for the manifest's "
              + blobs.size()
              + " layers");
    }
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < blobs.size(); i++) {
      String diffId = diffIds.get(i).asText();
      if (!Digests.isValid(diffId)) {
        throw StoreException.invalidArgument(
            "unpack: config " + config.getDigest() + " has an invalid diff_id \"" + diffId + "\"");
      }
      layers.add(
          new Layer(
              descriptor(blobs.get(i), "layer " + i + " of " + manifest.getDigest()), diffId));
    }
    return new ImageLayers(manifest, manifestJson, config, configJson, layers);
  }

  private static Descriptor pick(
      ContentStore content,
      String namespace,
      Descriptor index,
      PlatformMatcher platforms,
      int maxJson)
      throws IOException {
    JsonNode manifests = parse(read(content, namespace, index, maxJson), index).path("manifests");
    Descriptor best = null;
    int bestRank = Integer.MAX_VALUE;
    for (JsonNode entry : manifests) {
      JsonNode p = entry.path("platform");
      Platform platform =
          Platform.newBuilder()
              .setOs(p.path("os").asText())
              .setArchitecture(p.path("architecture").asText())
              .setVariant(p.path("variant").asText())
              .build();
      int rank = platforms.rank(platform);
      if (platforms.matches(platform) && rank < bestRank) {
        best = descriptor(entry, "manifest in " + index.getDigest());
        bestRank = rank;
      }
    }
    if (best == null) {
      throw StoreException.notFound(
          "unpack: no manifest for " + platforms + " in index " + index.getDigest());
    }
    return best;
  }

  private static Descriptor descriptor(JsonNode n, String what) {
    String digest = n.path("digest").asText();
    long size = n.path("size").asLong(-1);
    if (!Digests.isValid(digest) || size < 0) {
      throw StoreException.invalidArgument("unpack: " + what + " is not a valid descriptor");
    }
    return Descriptor.newBuilder()
        .setMediaType(n.path("mediaType").asText())
        .setDigest(digest)
        .setSize(size)
        .build();
  }

  static byte[] read(ContentStore content, String namespace, Descriptor d, int maxJson)
      throws IOException {
    if (d.getSize() > maxJson) {
      throw StoreException.invalidArgument(
          "unpack: " + d.getDigest() + " is larger than " + maxJson + " bytes");
    }
    try (InputStream in = content.read(namespace, d.getDigest(), 0)) {
      return in.readNBytes(maxJson);
    }
  }

  private static JsonNode parse(byte[] json, Descriptor d) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw StoreException.invalidArgument(
          "unpack: " + d.getDigest() + " is not a valid " + d.getMediaType());
    }
  }
}
