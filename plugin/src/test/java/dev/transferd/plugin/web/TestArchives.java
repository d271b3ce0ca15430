package dev.transferd.plugin.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.registry.Skopeo;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Image archives made by the real skopeo from OCI layouts the tests write: layers are real gzipped
 * tars whose diff_ids the configs list, as a runtime would check them.
 */
final class TestArchives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestArchives() {}

  /** What {@code transferctl import} stores: every entry under the name the archive gives it. */
  static StoredImage underPrefix(String repository) {
    return StoredImage.named("")
        .withExtraReference(new ImageReference(repository, true, true, false, false));
  }

  static final StoredImage AS_NAMED =
      StoredImage.named("")
          .withExtraReference(new ImageReference("import", true, true, false, false));

  /**
   * A docker-archive of one linux/amd64 image with {@code layerSizes} layers, tagged {@code tag}.
   */
  static Path dockerArchive(Path dir, long seed, String tag, int... layerSizes) throws Exception {
    Path layout = layout(dir, seed, List.of("linux/amd64"), layerSizes);
    Path archive = dir.resolve("image-" + seed + ".tar");
    Skopeo.run(
        "copy",
        "oci:" + layout + ":latest",
        "docker-archive:" + archive + (tag == null ? "" : ":" + tag));
    return archive;
  }

  /** An oci-archive of a two-platform image (an index) whose ref name is {@code tag}. */
  static Path ociArchive(Path dir, long seed, String tag) throws Exception {
    Path layout = layout(dir, seed, List.of("linux/amd64", "linux/arm64"), 1000, 2000);
    Path archive = dir.resolve("image-" + seed + ".oci.tar");
    Skopeo.run("copy", "--all", "oci:" + layout + ":latest", "oci-archive:" + archive + ":" + tag);
    return archive;
  }

  /** An OCI layout with one image, tagged latest: one manifest per platform, an index for two. */
  static Path layout(Path dir, long seed, List<String> platforms, int... layerSizes)
      throws Exception {
    RealPeers.requireExecutable("/usr/bin/skopeo", "skopeo");
    Path root = dir.resolve("layout-" + seed);
    Files.createDirectories(root.resolve("blobs/sha256"));
    Files.writeString(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Random random = new Random(seed);
    ArrayNode entries = JSON.createArrayNode();
    for (String platform : platforms) {
      String[] osArch = platform.split("/");
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", osArch[1]).put("os", osArch[0]);
      config.put("created", "2026-01-0" + (1 + seed % 8) + "T00:00:00Z");
      config.putObject("config").putArray("Cmd").add("/bin/app").add("--serve");
      ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
      ArrayNode diffIds = rootfs.putArray("diff_ids");
      ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2);
      manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
      ArrayNode layers = manifest.putArray("layers");
      for (int i = 0; i < layerSizes.length; i++) {
        byte[] content = new byte[layerSizes[i]];
        random.nextBytes(content);
        byte[] tar = tar("layer" + i + ".bin", content);
        diffIds.add(sha256(tar));
        layers.add(write(root, "application/vnd.oci.image.layer.v1.tar+gzip", gzip(tar)));
      }
      manifest.set(
          "config",
          write(root, "application/vnd.oci.image.config.v1+json", JSON.writeValueAsBytes(config)));
      ObjectNode entry =
          write(
              root, "application/vnd.oci.image.manifest.v1+json", JSON.writeValueAsBytes(manifest));
      entry.putObject("platform").put("architecture", osArch[1]).put("os", osArch[0]);
      entries.add(entry);
    }
    ObjectNode top;
    if (platforms.size() == 1) {
      top = (ObjectNode) entries.get(0);
    } else {
      ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
      index.put("mediaType", "application/vnd.oci.image.index.v1+json");
      index.set("manifests", entries);
      top = write(root, "application/vnd.oci.image.index.v1+json", JSON.writeValueAsBytes(index));
    }
    top.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
    ObjectNode layoutIndex = JSON.createObjectNode().put("schemaVersion", 2);
    layoutIndex.putArray("manifests").add(top);
    Files.write(root.resolve("index.json"), JSON.writeValueAsBytes(layoutIndex));
    return root;
  }

  private static ObjectNode write(Path root, String mediaType, byte[] bytes) throws IOException {
    String digest = sha256(bytes);
    Files.write(root.resolve("blobs/sha256").resolve(digest.substring(7)), bytes);
    return JSON.createObjectNode()
        .put("mediaType", mediaType)
        .put("digest", digest)
        .put("size", bytes.length);
  }

  static byte[] tar(String name, byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(content.length);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
