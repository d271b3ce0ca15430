package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks an imported archive's graph from its root index, keeping what the destination's platforms
 * ask for (containerd's import filter, docs/protocol/transfer.md §8.3 step 4): index children of
 * other platforms are dropped, or with {@code all_metadata} kept without their layers; children
 * without a platform always stay. Every blob kept must be in the archive (or already in the store)
 * with the size its descriptor says, except that an index entry for a platform whose manifest is
 * absent is skipped (what {@code ctr export --platform} and single-platform pulls leave), as long
 * as one platform of the index is there. Collects the GC labels each parent blob needs so the image
 * keeps its children alive (docs/protocol/transfer.md §10), and the root index's entries, marked
 * for naming from their annotations.
 */
public final class ImportWalker {
  /** Marks an index entry to be named from its annotations (see the transfer's ImageNaming). */
  public static final String REF_SOURCE = "io.containerd.import.ref-source";

  private static final int MAX_DEPTH = 8;

  /**
   * @param images the root index's entries that were kept, each with {@link #REF_SOURCE}
   * @param gcLabels per parent blob digest, the {@code containerd.io/gc.ref.content.*} labels
   * @param blobs every blob digest the kept graph holds
   */
  public record Result(
      List<Descriptor> images, Map<String, Map<String, String>> gcLabels, Set<String> blobs) {}

  private final BlobSource source;
  private final PlatformMatcher platforms;
  private final boolean allMetadata;
  private final int manifestLimit;
  private final ArchiveLimits limits;
  private final Map<String, Map<String, String>> labels = new LinkedHashMap<>();
  private final Set<String> blobs = new HashSet<>();

  public ImportWalker(
      BlobSource source,
      PlatformMatcher platforms,
      boolean allMetadata,
      int manifestLimit,
      ArchiveLimits limits) {
    this.source = source;
    this.platforms = platforms;
    this.allMetadata = allMetadata;
    this.manifestLimit = manifestLimit;
    this.limits = limits;
  }

  public Result walk(ImportedArchive archive) throws IOException {
    Descriptor root = archive.root();
    String rootName = archive.format().equals("oci") ? "index.json" : "synthesized index";
    List<Kept> entries = children(root, rootName);
    blobs.add(root.getDigest());
    List<Descriptor> images = new ArrayList<>();
    for (Kept entry : entries) {
      visit(entry, rootName, 1);
      images.add(entry.descriptor.toBuilder().putAnnotations(REF_SOURCE, "annotation").build());
    }
    if (images.isEmpty()) {
      throw new InvalidArchiveException(
          rootName, "no image for " + platforms + " (image might be filtered out)");
    }
    return new Result(List.copyOf(images), labels, blobs);
  }

  private record Kept(Descriptor descriptor, boolean metadataOnly) {}

  /** The children of index {@code index} that the filter keeps, labelled on the index. */
  private List<Kept> children(Descriptor index, String name) throws IOException {
    JsonNode json = document(index, name);
    JsonNode manifests = json.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw new InvalidArchiveException(name, "index without a manifests list");
    }
    List<ArchiveJson.Child> matching = new ArrayList<>();
    List<Kept> kept = new ArrayList<>();
    int absent = 0;
    for (int i = 0; i < manifests.size(); i++) {
      ArchiveJson.Child child =
          ArchiveJson.descriptor(manifests.get(i), name + ": manifests[" + i + "]");
      if (child.platform().isEmpty() || platforms.matches(child.platform().get())) {
        if (child.platform().isPresent() && source.size(child.descriptor().getDigest()).isEmpty()) {
          absent++; // another platform's manifest, left out by a single-platform export
          continue;
        }
        matching.add(child);
      } else if (allMetadata) {
        kept.add(new Kept(child.descriptor(), true));
      }
    }
    if (matching.isEmpty() && absent > 0) {
      throw new InvalidArchiveException(
          name, "none of its " + absent + " platform manifests is in the archive");
    }
    if (manifestLimit > 0 && !platforms.matchesAll()) {
      matching.sort(
          Comparator.comparingInt(
              c -> c.platform().map(platforms::rank).orElse(Integer.MAX_VALUE)));
    }
    if (manifestLimit > 0 && matching.size() > manifestLimit) {
      matching = matching.subList(0, manifestLimit);
    }
    List<Kept> result = new ArrayList<>();
    matching.forEach(c -> result.add(new Kept(c.descriptor(), false)));
    result.addAll(kept);
    Map<String, String> indexLabels =
        labels.computeIfAbsent(index.getDigest(), d -> new LinkedHashMap<>());
    for (int i = 0; i < result.size(); i++) {
      indexLabels.put("containerd.io/gc.ref.content.m." + i, result.get(i).descriptor.getDigest());
    }
    return result;
  }

  private void visit(Kept kept, String parent, int depth) throws IOException {
    Descriptor d = kept.descriptor;
    String name = kind(d.getMediaType()) + " " + d.getDigest();
    present(d, parent, name);
    if (!blobs.add(d.getDigest()) && !kept.metadataOnly) {
      return; // shared by several entries; walked once
    }
    if (depth > MAX_DEPTH) {
      throw new InvalidArchiveException(name, "indexes nested deeper than " + MAX_DEPTH);
    }
    if (MediaTypes.isIndex(d.getMediaType())) {
      for (Kept child : children(d, name)) {
        visit(child, name, depth + 1);
      }
    } else if (MediaTypes.isManifest(d.getMediaType())) {
      JsonNode manifest = document(d, name);
      ArchiveJson.Child config = ArchiveJson.descriptor(manifest.get("config"), name + ": config");
      Map<String, String> manifestLabels =
          labels.computeIfAbsent(d.getDigest(), k -> new LinkedHashMap<>());
      present(config.descriptor(), name, "config " + config.descriptor().getDigest());
      blobs.add(config.descriptor().getDigest());
      manifestLabels.put("containerd.io/gc.ref.content.config", config.descriptor().getDigest());
      if (kept.metadataOnly) {
        return;
      }
      JsonNode layers = manifest.get("layers");
      if (layers == null || !layers.isArray()) {
        throw new InvalidArchiveException(name, "manifest without a layers list");
      }
      for (int i = 0; i < layers.size(); i++) {
        Descriptor layer =
            ArchiveJson.descriptor(layers.get(i), name + ": layers[" + i + "]").descriptor();
        if (MediaTypes.isNonDistributable(layer.getMediaType())
            && source.size(layer.getDigest()).isEmpty()) {
          continue; // foreign layers are fetched from their URLs, never shipped in archives
        }
        present(layer, name, "layer " + layer.getDigest());
        blobs.add(layer.getDigest());
        manifestLabels.put("containerd.io/gc.ref.content.l." + i, layer.getDigest());
      }
    }
  }

  private void present(Descriptor d, String parent, String name) throws IOException {
    var size = source.size(d.getDigest());
    if (size.isEmpty()) {
      throw new InvalidArchiveException(parent, name + " is not in the archive");
    }
    if (size.getAsLong() != d.getSize()) {
      throw new InvalidArchiveException(
          parent,
          name
              + " is "
              + size.getAsLong()
              + " bytes in the archive, but its descriptor says "
              + d.getSize());
    }
  }

  private JsonNode document(Descriptor d, String name) throws IOException {
    return ArchiveJson.parse(ArchiveJson.readBlob(source, d.getDigest(), name, limits), name);
  }

  private static String kind(String mediaType) {
    if (MediaTypes.isIndex(mediaType)) {
      return "index";
    }
    if (MediaTypes.isManifest(mediaType)) {
      return "manifest";
    }
    if (mediaType.isEmpty()) {
      return "blob";
    }
    return "blob (" + mediaType + ")";
  }
}
