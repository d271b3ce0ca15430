package dev.transferd.plugin.transfer;

import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image's graph as a registry (or the local store, for push) holds it: manifests and indexes
 * read into memory (digest and size checked, at most 4 MiB each), children before parents, and the
 * blobs (configs, layers) they keep, each once, with the ref keys of every parent. The platform
 * filter is the ImageStore's (docs/protocol/transfer.md §8.1 step 5): {@code platforms} empty keeps
 * all; otherwise non-matching index entries are dropped, or kept without layers under {@code
 * all_metadata}; {@code manifest_limit} keeps the first N matches by preference.
 */
final class RemoteGraph {
  static final int MAX_MANIFEST = 4 << 20;

  /** A manifest or index: its bytes, the children it keeps, the ref keys of its parents. */
  record Node(Descriptor desc, byte[] bytes, List<ImageGraph.Child> kept, List<String> parents) {}

  /** A config or layer to transfer, with every parent's ref key. */
  record Blob(Descriptor desc, List<String> parents) {}

  /** Which children a pull keeps. */
  record Filter(List<Platform> platforms, boolean allMetadata, int manifestLimit) {
    static final Filter ALL = new Filter(List.of(), true, 0);
  }

  final List<Node> manifests = new ArrayList<>();
  final Map<String, Blob> blobs = new LinkedHashMap<>();

  private RemoteGraph() {}

  /** Reads a manifest's or index's bytes, checked against its descriptor. */
  @FunctionalInterface
  interface Loader {
    byte[] load(Descriptor d) throws Exception;
  }

  /** Walks the registry's graph; {@code fetched} is told each manifest's size as it arrives. */
  static RemoteGraph walk(
      RegistryClient client,
      Descriptor root,
      String imageName,
      Filter filter,
      java.util.function.LongConsumer fetched)
      throws Exception {
    Loader loader =
        d -> {
          byte[] bytes = client.fetchBytes(d, MAX_MANIFEST);
          fetched.accept(bytes.length);
          return bytes;
        };
    return walk(loader, root, imageName, filter);
  }

  static RemoteGraph walk(Loader client, Descriptor root, String imageName, Filter filter)
      throws Exception {
    RemoteGraph g = new RemoteGraph();
    g.visit(client, root, List.of(imageName), filter, false);
    return g;
  }

  private void visit(
      Loader client, Descriptor d, List<String> parents, Filter filter, boolean metadataOnly)
      throws Exception {
    if (!ImageGraph.hasChildren(d)) {
      Blob existing = blobs.get(d.getDigest());
      List<String> all = new ArrayList<>(existing == null ? List.of() : existing.parents());
      all.addAll(parents);
      blobs.put(d.getDigest(), new Blob(existing == null ? d : existing.desc(), all));
      return;
    }
    if (manifests.stream().anyMatch(n -> n.desc().getDigest().equals(d.getDigest()))) {
      return;
    }
    byte[] bytes = client.load(d);
    List<ImageGraph.Child> children = ImageGraph.children(d, bytes);
    List<ImageGraph.Child> kept = new ArrayList<>();
    List<Boolean> metadata = new ArrayList<>();
    if (dev.transferd.plugin.registry.MediaTypes.isIndex(d.getMediaType())) {
      List<ImageGraph.Child> matching = new ArrayList<>();
      for (ImageGraph.Child c : children) {
        int rank = ImageGraph.platformRank(c.platform(), filter.platforms());
        if (rank >= 0) {
          matching.add(c);
        }
      }
      if (filter.manifestLimit() > 0) {
        matching.sort(
            Comparator.comparingInt(
                c -> ImageGraph.platformRank(c.platform(), filter.platforms())));
        matching = matching.subList(0, Math.min(filter.manifestLimit(), matching.size()));
        if (matching.isEmpty()) {
          throw new TtrpcException(
              StatusCode.NOT_FOUND, "no match for platform in manifest " + d.getDigest());
        }
      }
      for (ImageGraph.Child c : children) {
        if (matching.contains(c)) {
          kept.add(c);
          metadata.add(metadataOnly);
        } else if (filter.allMetadata() && filter.manifestLimit() == 0) {
          kept.add(c);
          metadata.add(true);
        }
      }
    } else {
      for (ImageGraph.Child c : children) {
        if (!metadataOnly || c.gcLabel().endsWith("config")) {
          kept.add(c);
          metadata.add(metadataOnly);
        }
      }
    }
    String key = ImageGraph.refKey(d);
    for (int i = 0; i < kept.size(); i++) {
      visit(client, kept.get(i).descriptor(), List.of(key), filter, metadata.get(i));
    }
    manifests.add(new Node(d, bytes, kept, parents));
  }
}
