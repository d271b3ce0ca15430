package dev.transferd.plugin.unpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.archive.Digests;
import dev.transferd.plugin.archive.MediaTypes;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory back into an image: the differences between a base image's tree and the directory
 * become one new layer on top of the base. The base is unpacked afresh into a scratch directory
 * beside the directory ({@code .NAME.repack-<random>}, removed afterwards) and compared with it
 * ({@link TreeDiff}); the new config is the base's with the layer's diff_id and a history entry
 * appended, and the new manifest the base's with the layer appended. Everything else in both
 * documents is kept as it was.
 */
public final class ImageRepacker {
  private static final Logger log = LoggerFactory.getLogger(ImageRepacker.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The new layer: its uncompressed digest and how many entries it holds. */
  public record NewLayer(String diffId, int entries) {}

  /** The new image's documents; the layer blob is already written. */
  public record NewImage(
      byte[] configJson, Descriptor config, byte[] manifestJson, Descriptor manifest) {}

  private ImageRepacker() {}

  /**
   * Writes the changes from {@code base}'s tree to {@code dir} as a gzip-compressed layer into
   * {@code out} (not closed).
   *
   * @throws java.nio.file.NoSuchFileException when {@code dir} is not a directory
   */
  public static NewLayer writeLayer(
      ImageLayers base, LayerSource source, Path dir, OutputStream out) throws IOException {
    Path tree = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
      throw new java.nio.file.NoSuchFileException(tree.toString(), null, "not a directory");
    }
    Path scratch =
        tree.resolveSibling(
            "." + tree.getFileName() + ".repack-" + HexFormat.of().toHexDigits(RANDOM.nextLong()));
    try {
      ImageUnpacker.unpack(base.layers(), source, scratch, UnpackListener.NONE);
      TreeDiff.Layer layer = TreeDiff.write(scratch, tree, out);
      return new NewLayer(layer.diffId(), layer.entries());
    } finally {
      try {
        var attrs = TreeRoot.lstat(scratch);
        if (attrs != null) {
          LayerApplier.deleteTree(scratch, attrs);
        }
      } catch (IOException e) {
        log.warn("could not remove the repack's base tree {}: {}", scratch, e.toString());
      }
    }
  }

  /**
   * The config and manifest of {@code base} with {@code layer} (a blob already stored) on top.
   *
   * @param createdBy the history entry's {@code created_by}
   */
  public static NewImage image(
      ImageLayers base, Descriptor layer, String diffId, Instant created, String createdBy)
      throws IOException {
    String time = DateTimeFormatter.ISO_INSTANT.format(created);
    ObjectNode config = (ObjectNode) ImageLayers.JSON.readTree(base.configJson());
    config.put("created", time);
    ObjectNode rootfs = object(config, "rootfs");
    rootfs.put("type", "layers");
    array(rootfs, "diff_ids").add(diffId);
    ObjectNode history = array(config, "history").addObject();
    history.put("created", time);
    history.put("created_by", createdBy);
    byte[] configJson = ImageLayers.JSON.writeValueAsBytes(config);
    Descriptor configDesc =
        Descriptor.newBuilder()
            .setMediaType(base.config().getMediaType())
            .setDigest(Digests.of(configJson))
            .setSize(configJson.length)
            .build();

    ObjectNode manifest = (ObjectNode) ImageLayers.JSON.readTree(base.manifestJson());
    ObjectNode c = object(manifest, "config");
    c.put("digest", configDesc.getDigest());
    c.put("size", configDesc.getSize());
    ObjectNode l = array(manifest, "layers").addObject();
    l.put("mediaType", layer.getMediaType());
    l.put("digest", layer.getDigest());
    l.put("size", layer.getSize());
    byte[] manifestJson = ImageLayers.JSON.writeValueAsBytes(manifest);
    Descriptor manifestDesc =
        Descriptor.newBuilder()
            .setMediaType(base.manifest().getMediaType())
            .setDigest(Digests.of(manifestJson))
            .setSize(manifestJson.length)
            .build();
    return new NewImage(configJson, configDesc, manifestJson, manifestDesc);
  }

  /** The layer media type that matches the base manifest's family. */
  public static String layerMediaType(ImageLayers base) {
    return base.manifest().getMediaType().equals(MediaTypes.DOCKER_MANIFEST)
        ? MediaTypes.DOCKER_LAYER_GZIP
        : MediaTypes.OCI_LAYER_GZIP;
  }

  private static ObjectNode object(ObjectNode parent, String field) {
    JsonNode n = parent.get(field);
    return n instanceof ObjectNode o ? o : parent.putObject(field);
  }

  private static ArrayNode array(ObjectNode parent, String field) {
    JsonNode n = parent.get(field);
    return n instanceof ArrayNode a ? a : parent.putArray(field);
  }
}
