package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.client.ImageName;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes images as an OCI layout tar with Docker's {@code manifest.json} beside it
 * (docs/protocol/transfer.md §8.4), in two steps: {@link #plan} walks the images and checks every
 * blob is there, so a missing blob is a NOT_FOUND naming it before any byte is sent; {@link #write}
 * then streams the tar straight from the store, every blob digest-checked while copied. Entries are
 * sorted by name; {@code blobs/} directories 0755, blobs and {@code oci-layout} 0444, {@code
 * index.json} and {@code manifest.json} 0644; owner 0:0 and time 0, so the same images always give
 * the same bytes.
 */
public final class ArchiveExporter {
  static final String IMAGE_NAME = "io.containerd.image.name";
  static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";
  private static final int MAX_DEPTH = 8;

  /**
   * One image to export.
   *
   * @param annotations extra annotations for its {@code index.json} entry (the blob's {@code
   *     containerd.io/distribution.source.*} labels)
   */
  public record Image(String name, Descriptor target, Map<String, String> annotations) {}

  /**
   * @param platforms which manifests of an index to include (and pick for {@code manifest.json})
   * @param allPlatforms include every manifest of every index
   */
  public record Options(
      PlatformMatcher platforms,
      boolean allPlatforms,
      boolean skipCompatibilityManifest,
      boolean skipNonDistributable) {}

  /** What {@link #write} will write: blob sizes by digest (sorted) and the two documents. */
  public record Plan(
      TreeMap<String, Long> blobs, byte[] indexJson, Optional<byte[]> manifestJson) {}

  private ArchiveExporter() {}

  /**
   * Walks {@code images} through {@code source}.
   *
   * @throws StoreException NOT_FOUND naming a missing blob, or "no manifest found for platform";
   *     INVALID_ARGUMENT for a target that is neither manifest nor index
   */
  public static Plan plan(
      List<Image> images, BlobSource source, Options options, ArchiveLimits limits)
      throws IOException {
    TreeMap<String, Long> blobs = new TreeMap<>();
    ArrayNode index = ArchiveJson.NODES.arrayNode();
    Map<String, ObjectNode> compat = new LinkedHashMap<>();
    for (Image image : images) {
      Descriptor target = image.target();
      String what = "image " + image.name();
      if (!MediaTypes.isIndex(target.getMediaType())
          && !MediaTypes.isManifest(target.getMediaType())) {
        throw StoreException.invalidArgument(
            "export "
                + what
                + ": target "
                + target.getDigest()
                + " of media type \""
                + target.getMediaType()
                + "\" is neither a manifest nor an index");
      }
      include(target, what, source, options, limits, blobs, 0);
      Descriptor.Builder entry = target.toBuilder().putAllAnnotations(image.annotations());
      entry.putAnnotations(IMAGE_NAME, image.name());
      entry.putAnnotations(OCI_REF_NAME, refName(image.name()));
      index.add(ArchiveJson.toJson(entry.build(), Optional.empty()));
      if (!options.skipCompatibilityManifest()) {
        Descriptor manifest = pickManifest(target, what, source, options, limits);
        ObjectNode docker = compat.get(manifest.getDigest());
        if (docker == null) {
          docker = dockerEntry(manifest, what, source, limits);
          compat.put(manifest.getDigest(), docker);
        }
        repoTag(image.name())
            .ifPresent(((ArrayNode) compat.get(manifest.getDigest()).get("RepoTags"))::add);
      }
    }
    ObjectNode indexJson = ArchiveJson.NODES.objectNode();
    indexJson.put("schemaVersion", 2);
    indexJson.put("mediaType", MediaTypes.OCI_INDEX);
    indexJson.set("manifests", index);
    Optional<byte[]> manifestJson = Optional.empty();
    if (!options.skipCompatibilityManifest()) {
      ArrayNode list = ArchiveJson.NODES.arrayNode();
      compat.values().forEach(list::add);
      manifestJson = Optional.of(ArchiveJson.bytes(list));
    }
    return new Plan(blobs, ArchiveJson.bytes(indexJson), manifestJson);
  }

  private static void include(
      Descriptor d,
      String what,
      BlobSource source,
      Options options,
      ArchiveLimits limits,
      TreeMap<String, Long> blobs,
      int depth)
      throws IOException {
    long size = require(d.getDigest(), what, source);
    blobs.put(d.getDigest(), size);
    if (depth > MAX_DEPTH) {
      throw StoreException.invalidArgument(what + ": indexes nested deeper than " + MAX_DEPTH);
    }
    String name = "manifest " + d.getDigest() + " of " + what;
    if (MediaTypes.isIndex(d.getMediaType())) {
      JsonNode json = document(d, name, source, limits);
      JsonNode manifests = json.path("manifests");
      for (int i = 0; i < manifests.size(); i++) {
        ArchiveJson.Child child =
            ArchiveJson.descriptor(manifests.get(i), name + ": manifests[" + i + "]");
        if (options.allPlatforms()
            || child.platform().isEmpty()
            || options.platforms().matches(child.platform().get())) {
          include(child.descriptor(), what, source, options, limits, blobs, depth + 1);
        }
      }
    } else if (MediaTypes.isManifest(d.getMediaType())) {
      JsonNode json = document(d, name, source, limits);
      Descriptor config =
          ArchiveJson.descriptor(json.get("config"), name + ": config").descriptor();
      blobs.put(config.getDigest(), require(config.getDigest(), "config of " + name, source));
      JsonNode layers = json.path("layers");
      for (int i = 0; i < layers.size(); i++) {
        Descriptor layer =
            ArchiveJson.descriptor(layers.get(i), name + ": layers[" + i + "]").descriptor();
        if (options.skipNonDistributable() && MediaTypes.isNonDistributable(layer.getMediaType())) {
          continue;
        }
        blobs.put(
            layer.getDigest(), require(layer.getDigest(), "layer " + i + " of " + name, source));
      }
    }
  }

  private static long require(String digest, String what, BlobSource source) throws IOException {
    return source
        .size(digest)
        .orElseThrow(
            () ->
                StoreException.notFound("content digest " + digest + " not found (" + what + ")"));
  }

  /** The manifest {@code manifest.json} describes for a target: for an index, the best match. */
  private static Descriptor pickManifest(
      Descriptor target, String what, BlobSource source, Options options, ArchiveLimits limits)
      throws IOException {
    Descriptor current = target;
    for (int depth = 0; MediaTypes.isIndex(current.getMediaType()); depth++) {
      if (depth > MAX_DEPTH) {
        throw StoreException.invalidArgument(what + ": indexes nested deeper than " + MAX_DEPTH);
      }
      JsonNode manifests =
          document(current, "index " + current.getDigest() + " of " + what, source, limits)
              .path("manifests");
      Descriptor best = null;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i < manifests.size(); i++) {
        ArchiveJson.Child child =
            ArchiveJson.descriptor(manifests.get(i), what + ": manifests[" + i + "]");
        // As containerd's exporter: an entry without a platform (an OCI layout's index.json
        // stored with --index-name) is a candidate too, after every entry whose platform matches.
        int rank;
        if (child.platform().isEmpty()) {
          rank = Integer.MAX_VALUE - 1;
        } else if (options.platforms().matches(child.platform().get())) {
          rank = options.platforms().rank(child.platform().get());
        } else {
          continue;
        }
        if (rank < bestRank) {
          best = child.descriptor();
          bestRank = rank;
        }
      }
      if (best == null) {
        throw StoreException.notFound(
            "no manifest found for platform " + options.platforms() + " in " + what);
      }
      current = best;
    }
    return current;
  }

  private static ObjectNode dockerEntry(
      Descriptor manifest, String what, BlobSource source, ArchiveLimits limits)
      throws IOException {
    JsonNode json =
        document(manifest, "manifest " + manifest.getDigest() + " of " + what, source, limits);
    ObjectNode entry = ArchiveJson.NODES.objectNode();
    entry.put("Config", "blobs/sha256/" + Digests.hex(json.path("config").path("digest").asText()));
    entry.putArray("RepoTags");
    ArrayNode layers = entry.putArray("Layers");
    json.path("layers")
        .forEach(l -> layers.add("blobs/sha256/" + Digests.hex(l.path("digest").asText())));
    return entry;
  }

  private static JsonNode document(
      Descriptor d, String name, BlobSource source, ArchiveLimits limits) throws IOException {
    try {
      return ArchiveJson.parse(ArchiveJson.readBlob(source, d.getDigest(), name, limits), name);
    } catch (InvalidArchiveException e) {
      throw StoreException.failedPrecondition("export: " + e.getMessage());
    }
  }

  /** The OCI ref name: the tag of a tagged name, else the whole name. */
  static String refName(String name) {
    try {
      ImageName parsed = ImageName.parse(name);
      if (!parsed.tag().isEmpty() && parsed.digest().isEmpty()) {
        return parsed.tag();
      }
    } catch (IllegalArgumentException e) {
      // not a Docker reference (e.g. a bare local name): the whole name is the ref
    }
    return name;
  }

  private static Optional<String> repoTag(String name) {
    try {
      ImageName parsed = ImageName.parse(name);
      return parsed.tag().isEmpty() || !parsed.digest().isEmpty()
          ? Optional.empty()
          : Optional.of(parsed.familiar());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Streams the planned archive into {@code out} (flushed, not closed). A blob whose bytes no
   * longer match its digest fails the export with an IOException naming it; what was written stays
   * written, so the caller must abort its stream rather than close it cleanly.
   */
  public static void write(Plan plan, BlobSource source, OutputStream out) throws IOException {
    BufferedOutputStream buffered = new BufferedOutputStream(out, 128 * 1024);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    directory(tar, "blobs/");
    directory(tar, "blobs/sha256/");
    byte[] buffer = new byte[128 * 1024];
    for (Map.Entry<String, Long> blob : plan.blobs().entrySet()) {
      String digest = blob.getKey();
      TarArchiveEntry e = entry("blobs/sha256/" + Digests.hex(digest), 0444);
      e.setSize(blob.getValue());
      tar.putArchiveEntry(e);
      MessageDigest hash = Digests.sha256();
      long copied = 0;
      try (InputStream in = source.open(digest)) {
        int n;
        while (copied < blob.getValue()
            && (n = in.read(buffer, 0, (int) Math.min(buffer.length, blob.getValue() - copied)))
                > 0) {
          hash.update(buffer, 0, n);
          tar.write(buffer, 0, n);
          copied += n;
        }
      }
      if (copied != blob.getValue() || !Digests.of(hash).equals(digest)) {
        throw new IOException(
            "blob " + digest + " in the store is corrupt or changed while exporting");
      }
      tar.closeArchiveEntry();
    }
    file(tar, "index.json", 0644, plan.indexJson());
    if (plan.manifestJson().isPresent()) {
      file(tar, "manifest.json", 0644, plan.manifestJson().get());
    }
    file(
        tar,
        "oci-layout",
        0444,
        "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    tar.finish();
    buffered.flush();
  }

  private static TarArchiveEntry entry(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(mode | (name.endsWith("/") ? 040000 : 0100000));
    e.setModTime(0);
    e.setIds(0, 0);
    e.setNames("", "");
    return e;
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(entry(name, 0755));
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, int mode, byte[] bytes)
      throws IOException {
    TarArchiveEntry e = entry(name, mode);
    e.setSize(bytes.length);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /** Lists the entries {@code plan} will write, in order, for messages and tests. */
  static List<String> entryNames(Plan plan) {
    List<String> names = new ArrayList<>(List.of("blobs/", "blobs/sha256/"));
    plan.blobs().keySet().forEach(d -> names.add("blobs/sha256/" + Digests.hex(d)));
    names.add("index.json");
    plan.manifestJson().ifPresent(m -> names.add("manifest.json"));
    names.add("oci-layout");
    return names;
  }
}
