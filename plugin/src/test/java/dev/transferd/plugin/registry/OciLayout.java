package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds OCI image layouts on disk for skopeo to push: one manifest per platform, each with a
 * config and layers of seeded random bytes (the registry and skopeo never look inside layers).
 */
public final class OciLayout {
  static final ObjectMapper JSON = new ObjectMapper();

  public record Blob(String mediaType, String digest, long size) {
    ObjectNode node() {
      ObjectNode n = JSON.createObjectNode();
      n.put("mediaType", mediaType);
      n.put("digest", digest);
      n.put("size", size);
      return n;
    }
  }

  /** What was built: the root descriptor (index or single manifest) and every blob. */
  public record Image(Blob root, List<Blob> manifests, List<Blob> configs, List<Blob> layers) {}

  private final Path dir;

  OciLayout(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
  }

  Path dir() {
    return dir;
  }

  Blob write(String mediaType, byte[] bytes) throws IOException {
    String digest = Digest.sha256(bytes);
    Path p = dir.resolve("blobs/sha256").resolve(digest.substring(7));
    if (!Files.exists(p)) {
      Files.write(p, bytes);
    }
    return new Blob(mediaType, digest, bytes.length);
  }

  public Path blob(String digest) {
    return dir.resolve("blobs/sha256").resolve(digest.substring(7));
  }

  /**
   * Writes an image with {@code layerSizes} layers per platform ({@code os/arch} strings); one
   * platform gives a single manifest as root, several an index.
   */
  Image image(long seed, List<String> platforms, int... layerSizes) throws IOException {
    Random random = new Random(seed);
    List<Blob> manifests = new ArrayList<>();
    List<Blob> configs = new ArrayList<>();
    List<Blob> layers = new ArrayList<>();
    ArrayNode indexEntries = JSON.createArrayNode();
    for (String platform : platforms) {
      String[] osArch = platform.split("/");
      List<Blob> mine = new ArrayList<>();
      for (int size : layerSizes) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        mine.add(write("application/vnd.oci.image.layer.v1.tar+gzip", gzip(b)));
      }
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", osArch[1]);
      config.put("os", osArch[0]);
      ObjectNode rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      ArrayNode ids = rootfs.putArray("diff_ids");
      mine.forEach(l -> ids.add(l.digest()));
      config.put("created", "2024-01-0" + (1 + (seed % 8)) + "T00:00:00Z");
      Blob cfg = write("application/vnd.oci.image.config.v1+json", bytes(config));
      ObjectNode manifest = JSON.createObjectNode();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
      manifest.set("config", cfg.node());
      ArrayNode ls = manifest.putArray("layers");
      mine.forEach(l -> ls.add(l.node()));
      Blob m = write(MediaTypes.OCI_MANIFEST, bytes(manifest));
      ObjectNode entry = m.node();
      ObjectNode p = entry.putObject("platform");
      p.put("architecture", osArch[1]);
      p.put("os", osArch[0]);
      indexEntries.add(entry);
      manifests.add(m);
      configs.add(cfg);
      layers.addAll(mine);
    }
    Blob root;
    if (platforms.size() == 1) {
      root = manifests.getFirst();
    } else {
      ObjectNode index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.set("manifests", indexEntries);
      root = write(MediaTypes.OCI_INDEX, bytes(index));
    }
    ObjectNode layoutIndex = JSON.createObjectNode();
    layoutIndex.put("schemaVersion", 2);
    ArrayNode entries = layoutIndex.putArray("manifests");
    ObjectNode rootEntry = root.node();
    rootEntry.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
    entries.add(rootEntry);
    Files.write(dir.resolve("index.json"), bytes(layoutIndex));
    return new Image(root, manifests, configs, layers);
  }

  /** Layers must be real gzip, or skopeo compresses them on the way and changes the digests. */
  static byte[] gzip(byte[] raw) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length + 64);
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  static byte[] bytes(ObjectNode node) throws IOException {
    return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
  }
}
