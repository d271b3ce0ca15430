package dev.transferd.plugin.archive;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Reading and writing the JSON documents of archives: size-capped reads with errors naming the
 * document, OCI descriptors to and from containerd's {@link Descriptor}, and compact output in the
 * field order of Go's OCI structs (so synthesized manifests get the digests containerd gives them).
 */
final class ArchiveJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A descriptor in an index or manifest, with the platform an index entry may carry. */
  record Child(Descriptor descriptor, Optional<Platform> platform) {}

  private ArchiveJson() {}

  static JsonNode parse(byte[] bytes, String document) throws InvalidArchiveException {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new InvalidArchiveException(document, "empty JSON document");
      }
      return node;
    } catch (JacksonException e) {
      throw new InvalidArchiveException(document, "invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidArchiveException(document, "invalid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Reads blob {@code digest} from {@code source} and parses it, refusing blobs over the JSON cap
   * before reading them.
   */
  static byte[] readBlob(BlobSource source, String digest, String document, ArchiveLimits limits)
      throws IOException {
    long size =
        source
            .size(digest)
            .orElseThrow(
                () -> new InvalidArchiveException(document, "blob " + digest + " is missing"));
    if (size > limits.maxJsonBytes()) {
      throw new InvalidArchiveException(
          document,
          size + " bytes is over the limit of " + limits.maxJsonBytes() + " for a JSON document");
    }
    try (InputStream in = source.open(digest)) {
      return in.readNBytes((int) size);
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : "";
  }

  /**
   * Parses an OCI descriptor.
   *
   * @param where what to call it in errors, e.g. {@code index.json: manifests[2]}
   */
  static Child descriptor(JsonNode node, String where) throws InvalidArchiveException {
    if (node == null || !node.isObject()) {
      throw new InvalidArchiveException(where, "not a descriptor object");
    }
    String digest = text(node, "digest");
    if (!Digests.isValid(digest)) {
      throw new InvalidArchiveException(where, "digest \"" + digest + "\" is not a sha256 digest");
    }
    JsonNode size = node.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new InvalidArchiveException(where, "size missing or negative");
    }
    Descriptor.Builder d =
        Descriptor.newBuilder()
            .setMediaType(text(node, "mediaType"))
            .setDigest(digest)
            .setSize(size.asLong());
    JsonNode annotations = node.get("annotations");
    if (annotations != null && annotations.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = annotations.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        d.putAnnotations(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode p = node.get("platform");
    Optional<Platform> platform = Optional.empty();
    if (p != null && p.isObject()) {
      platform = Optional.of(platform(p));
    }
    return new Child(d.build(), platform);
  }

  /** The platform of an index entry or an image config ({@code os.version} etc.). */
  static Platform platform(JsonNode p) {
    Platform.Builder b =
        Platform.newBuilder()
            .setOs(text(p, "os"))
            .setArchitecture(text(p, "architecture"))
            .setVariant(text(p, "variant"))
            .setOsVersion(text(p, "os.version"));
    JsonNode features = p.get("os.features");
    if (features != null && features.isArray()) {
      features.forEach(f -> b.addOsFeatures(f.asText()));
    }
    return b.build();
  }

  /** An OCI descriptor object in Go's field order. */
  static ObjectNode toJson(Descriptor d, Optional<Platform> platform) {
    ObjectNode o = NODES.objectNode();
    o.put("mediaType", d.getMediaType());
    o.put("digest", d.getDigest());
    o.put("size", d.getSize());
    if (d.getAnnotationsCount() > 0) {
      ObjectNode a = o.putObject("annotations");
      new java.util.TreeMap<>(d.getAnnotationsMap()).forEach(a::put);
    }
    platform.ifPresent(
        p -> {
          ObjectNode po = o.putObject("platform");
          po.put("architecture", p.getArchitecture());
          po.put("os", p.getOs());
          if (!p.getOsVersion().isEmpty()) {
            po.put("os.version", p.getOsVersion());
          }
          if (p.getOsFeaturesCount() > 0) {
            ArrayNode f = po.putArray("os.features");
            p.getOsFeaturesList().forEach(f::add);
          }
          if (!p.getVariant().isEmpty()) {
            po.put("variant", p.getVariant());
          }
        });
    return o;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An OCI index over {@code manifests}, compact. */
  static byte[] index(Iterable<Child> manifests) {
    ObjectNode index = NODES.objectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode list = index.putArray("manifests");
    for (Child c : manifests) {
      list.add(toJson(c.descriptor(), c.platform()));
    }
    return bytes(index);
  }
}
