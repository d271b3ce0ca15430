package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.client.ImageName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code docker save} archive v1.0, before {@code manifest.json} (docker &lt; 1.10): {@code
 * repositories} maps repo and tag to a layer id; {@code <id>/json} is that layer's v1 image JSON
 * with a {@code parent} chain; {@code <id>/layer.tar} its diff, often a symlink to another layer's.
 * An image config is made up from the top layer's JSON ({@code rootfs.diff_ids} from the layers,
 * base first; one history entry per layer), then a manifest as for v1.1.
 */
final class LegacyDockerSaveFormat {
  static final String DOCUMENT = "repositories";
  private static final int MAX_CHAIN = 1000;
  private static final List<String> LAYER_ONLY_FIELDS =
      List.of("id", "parent", "Size", "parent_id", "layer_id", "throwaway");

  private LegacyDockerSaveFormat() {}

  static ImportedArchive read(
      ArchiveFiles files,
      byte[] repositories,
      BlobSink sink,
      ArchiveLimits limits,
      boolean forceCompress)
      throws IOException {
    JsonNode repos = ArchiveJson.parse(repositories, DOCUMENT);
    if (!repos.isObject() || repos.isEmpty()) {
      throw new InvalidArchiveException(DOCUMENT, "expected an object of repositories");
    }
    List<ArchiveJson.Child> index = new ArrayList<>();
    Map<String, ArchiveJson.Child> manifests = new HashMap<>();
    DockerLayers layerFiles = new DockerLayers(sink, forceCompress);
    for (Iterator<Map.Entry<String, JsonNode>> r = repos.fields(); r.hasNext(); ) {
      Map.Entry<String, JsonNode> repo = r.next();
      if (!repo.getValue().isObject()) {
        throw new InvalidArchiveException(
            DOCUMENT, "repository \"" + repo.getKey() + "\" is not an object of tags");
      }
      for (Iterator<Map.Entry<String, JsonNode>> t = repo.getValue().fields(); t.hasNext(); ) {
        Map.Entry<String, JsonNode> tag = t.next();
        String id = tag.getValue().asText();
        String where = DOCUMENT + ": " + repo.getKey() + ":" + tag.getKey();
        ArchiveJson.Child manifest = manifests.get(id);
        if (manifest == null) {
          manifest = image(files, sink, limits, where, id, layerFiles);
          manifests.put(id, manifest);
        }
        String normalized;
        ImageName name;
        try {
          normalized = ImageName.normalize(repo.getKey() + ":" + tag.getKey());
          name = ImageName.parse(normalized);
        } catch (IllegalArgumentException e) {
          throw new InvalidArchiveException(where, e.getMessage());
        }
        Descriptor named =
            manifest.descriptor().toBuilder()
                .putAnnotations("io.containerd.image.name", normalized)
                .putAnnotations("org.opencontainers.image.ref.name", name.tag())
                .build();
        index.add(new ArchiveJson.Child(named, manifest.platform()));
      }
    }
    if (index.isEmpty()) {
      throw new InvalidArchiveException(DOCUMENT, "names no image");
    }
    return new ImportedArchive(
        "docker-v1.0", DockerSaveFormat.indexDescriptor(sink, ArchiveJson.index(index)));
  }

  private static ArchiveJson.Child image(
      ArchiveFiles files,
      BlobSink sink,
      ArchiveLimits limits,
      String where,
      String topId,
      DockerLayers layerFiles)
      throws IOException {
    List<JsonNode> chain = new ArrayList<>(); // top first
    List<String> layerPaths = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String id = topId; !id.isEmpty(); ) {
      if (!seen.add(id) || chain.size() > MAX_CHAIN) {
        throw new InvalidArchiveException(where, "layer " + id + " has a parent loop");
      }
      ArchiveFiles.File json = DockerSaveFormat.find(files, where, "layer JSON", id + "/json");
      JsonNode layer =
          ArchiveJson.parse(
              ArchiveJson.readBlob(sink, json.digest(), json.path(), limits), json.path());
      if (!layer.isObject()) {
        throw new InvalidArchiveException(json.path(), "expected a JSON object");
      }
      chain.add(layer);
      layerPaths.add(id + "/layer.tar");
      id = ArchiveJson.text(layer, "parent");
    }
    Collections.reverse(chain);
    Collections.reverse(layerPaths);

    ObjectNode config = ((ObjectNode) chain.getLast()).deepCopy();
    LAYER_ONLY_FIELDS.forEach(config::remove);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    for (int i = 0; i < chain.size(); i++) {
      ArchiveFiles.File layer = DockerSaveFormat.find(files, where, "layer", layerPaths.get(i));
      diffIds.add(layerFiles.diffId(layer));
      ObjectNode h = history.addObject();
      JsonNode created = chain.get(i).get("created");
      if (created != null) {
        h.set("created", created);
      }
      JsonNode cmd = chain.get(i).path("container_config").path("Cmd");
      if (cmd.isArray() && !cmd.isEmpty()) {
        List<String> parts = new ArrayList<>();
        cmd.forEach(c -> parts.add(c.asText()));
        h.put("created_by", String.join(" ", parts));
      }
    }
    byte[] bytes = ArchiveJson.bytes(config);
    String digest = BlobWrites.put(sink, "config-" + Digests.of(bytes), bytes);
    ArchiveFiles.File configFile =
        new ArchiveFiles.File("config of " + topId, digest, bytes.length, new byte[0]);
    return DockerSaveFormat.synthesize(
        files, sink, limits, where, configFile, layerPaths, layerFiles);
  }
}
