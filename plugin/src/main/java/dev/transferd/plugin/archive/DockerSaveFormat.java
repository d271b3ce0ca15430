package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.streams.client.ImageName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code docker save} archive, v1.1/v1.2 ({@code manifest.json}: {@code [{Config, RepoTags,
 * Layers}]}), as docker before 25, podman and skopeo's docker-archive write it. For each image a
 * Docker v2 manifest is made up over the config and layer files (layers found by path, links
 * followed), each layer's uncompressed digest checked against the config's {@code rootfs.diff_ids};
 * then one OCI index over them, one entry per repo:tag, named by {@code io.containerd.image.name}
 * (normalized, e.g. {@code docker.io/library/alpine:latest}) and {@code
 * org.opencontainers.image.ref.name} (the tag), as containerd's importer does.
 */
final class DockerSaveFormat {
  static final String DOCUMENT = "manifest.json";

  private DockerSaveFormat() {}

  static ImportedArchive read(
      ArchiveFiles files,
      byte[] manifestJson,
      BlobSink sink,
      ArchiveLimits limits,
      boolean forceCompress)
      throws IOException {
    JsonNode entries = ArchiveJson.parse(manifestJson, DOCUMENT);
    if (!entries.isArray() || entries.isEmpty()) {
      throw new InvalidArchiveException(DOCUMENT, "expected a non-empty list of images");
    }
    List<ArchiveJson.Child> index = new ArrayList<>();
    DockerLayers layerFiles = new DockerLayers(sink, forceCompress);
    boolean anyTag = false;
    for (int i = 0; i < entries.size(); i++) {
      String where = DOCUMENT + ": image " + i;
      JsonNode entry = entries.get(i);
      if (!entry.isObject()) {
        throw new InvalidArchiveException(where, "not an object");
      }
      List<String> layers = new ArrayList<>();
      JsonNode layerList = entry.get("Layers");
      if (layerList == null || !layerList.isArray()) {
        throw new InvalidArchiveException(where, "no Layers list");
      }
      layerList.forEach(l -> layers.add(l.asText()));
      String configPath = ArchiveJson.text(entry, "Config");
      ArchiveJson.Child manifest =
          synthesize(
              files,
              sink,
              limits,
              where,
              find(files, where, "config", configPath),
              layers,
              layerFiles);
      JsonNode tags = entry.get("RepoTags");
      if (tags == null || !tags.isArray() || tags.isEmpty()) {
        index.add(manifest);
        continue;
      }
      for (JsonNode tag : tags) {
        String normalized;
        ImageName name;
        try {
          normalized = ImageName.normalize(tag.asText());
          name = ImageName.parse(normalized);
        } catch (IllegalArgumentException e) {
          throw new InvalidArchiveException(where, "RepoTags: " + e.getMessage());
        }
        anyTag = true;
        Descriptor named =
            manifest.descriptor().toBuilder()
                .putAnnotations("io.containerd.image.name", normalized)
                .putAnnotations(
                    "org.opencontainers.image.ref.name",
                    name.tag().isEmpty() ? normalized : name.tag())
                .build();
        index.add(new ArchiveJson.Child(named, manifest.platform()));
      }
    }
    if (limits.requireRepoTag() && !anyTag) {
      throw new InvalidArchiveException(DOCUMENT, "no image in the archive has a repo:tag");
    }
    return new ImportedArchive("docker", indexDescriptor(sink, ArchiveJson.index(index)));
  }

  static Descriptor indexDescriptor(BlobSink sink, byte[] index) throws IOException {
    String digest = BlobWrites.put(sink, "index-" + Digests.of(index), index);
    return Descriptor.newBuilder()
        .setMediaType(MediaTypes.OCI_INDEX)
        .setDigest(digest)
        .setSize(index.length)
        .build();
  }

  /**
   * Makes up and stores the Docker v2 manifest of one image from its config and layer files, after
   * checking the layers against the config's diff_ids.
   *
   * @param layerFiles the archive's layers, resolved once (shared between images)
   */
  static ArchiveJson.Child synthesize(
      ArchiveFiles files,
      BlobSink sink,
      ArchiveLimits limits,
      String where,
      ArchiveFiles.File config,
      List<String> layerPaths,
      DockerLayers layerFiles)
      throws IOException {
    String configPath = config.path();
    JsonNode configJson =
        ArchiveJson.parse(
            ArchiveJson.readBlob(sink, config.digest(), config.path(), limits), config.path());
    JsonNode diffIds = configJson.path("rootfs").path("diff_ids");
    if (!diffIds.isArray()) {
      throw new InvalidArchiveException(config.path(), "config has no rootfs.diff_ids");
    }
    if (diffIds.size() != layerPaths.size()) {
      throw new InvalidArchiveException(
          where,
          "lists "
              + layerPaths.size()
              + " layers but its config "
              + configPath
              + " has "
              + diffIds.size()
              + " diff_ids");
    }
    ObjectNode manifest = ArchiveJson.NODES.objectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
    manifest.set(
        "config",
        ArchiveJson.toJson(
            Descriptor.newBuilder()
                .setMediaType(MediaTypes.DOCKER_CONFIG)
                .setDigest(config.digest())
                .setSize(config.size())
                .build(),
            Optional.empty()));
    ArrayNode layers = manifest.putArray("layers");
    for (int i = 0; i < layerPaths.size(); i++) {
      ArchiveFiles.File layer = find(files, where, "layer", layerPaths.get(i));
      String diffId = layerFiles.diffId(layer);
      String expected = diffIds.get(i).asText();
      if (!diffId.equals(expected)) {
        throw new InvalidArchiveException(
            layer.path(),
            "uncompressed digest is "
                + diffId
                + ", but config "
                + configPath
                + " expects diff_id "
                + expected
                + " for layer "
                + i);
      }
      layers.add(ArchiveJson.toJson(layerFiles.descriptor(layer), Optional.empty()));
    }
    byte[] bytes = ArchiveJson.bytes(manifest);
    String digest = BlobWrites.put(sink, "manifest-" + Digests.of(bytes), bytes);
    Platform platform = ArchiveJson.platform(configJson);
    Descriptor d =
        Descriptor.newBuilder()
            .setMediaType(MediaTypes.DOCKER_MANIFEST)
            .setDigest(digest)
            .setSize(bytes.length)
            .build();
    return new ArchiveJson.Child(
        d, platform.getOs().isEmpty() ? Optional.empty() : Optional.of(platform));
  }

  static ArchiveFiles.File find(ArchiveFiles files, String where, String what, String rawPath)
      throws InvalidArchiveException {
    String path = ArchivePaths.resolve("", rawPath);
    if (rawPath.isEmpty() || path == null || path.isEmpty()) {
      throw new InvalidArchiveException(
          where, what + " path \"" + rawPath + "\" is empty or points outside the archive");
    }
    return files
        .file(path)
        .orElseThrow(
            () ->
                new InvalidArchiveException(
                    where, what + " \"" + rawPath + "\" is not in the archive"));
  }
}
