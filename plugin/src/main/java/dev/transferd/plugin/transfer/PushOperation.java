package dev.transferd.plugin.transfer;

import dev.transferd.plugin.registry.MediaTypes;
import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.streams.callback.ProgressReporter;
import dev.transferd.ttrpc.StatusCode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Image store to registry (docs/protocol/transfer.md §8.2): blobs first (existence check,
 * cross-repository mount from the blob's {@code distribution.source} label on the same registry,
 * then upload) under the service-wide {@code max_concurrent_uploaded_layers}, then manifests
 * children first by digest, and the root by the reference's tag. {@code platforms} filters index
 * children. Content missing locally fails before anything is uploaded, naming the blob and the
 * image.
 */
final class PushOperation implements TransferOperation<ImageStoreEndpoint, RegistryEndpoint> {
  private final Store store;
  private final RegistryLimits limits;

  PushOperation(Store store, RegistryLimits limits) {
    this.store = store;
    this.limits = limits;
  }

  @Override
  public void run(TransferContext context, ImageStoreEndpoint source, RegistryEndpoint destination)
      throws Exception {
    String ns = context.namespace();
    String name = source.spec().getName();
    Image image =
        store
            .images()
            .get(ns, name)
            .orElseThrow(() -> StoreException.notFound("image \"" + name + "\": not found"));
    List<Platform> platforms = source.spec().getPlatformsList();
    Descriptor root = platforms.isEmpty() ? image.target() : forPlatforms(ns, image, platforms);
    push(context, root, name, platforms, destination);
  }

  /**
   * Pushes the graph under {@code root} from the local store (the image {@code name}, for messages)
   * to {@code destination}; also the second half of an archive-to-registry transfer.
   */
  void push(
      TransferContext context,
      Descriptor root,
      String name,
      List<Platform> platforms,
      RegistryEndpoint destination)
      throws Exception {
    String ns = context.namespace();
    ProgressReporter progress = context.progress();
    RegistryClient client = destination.client(context.settings());
    progress.report("Pushing to " + destination);
    BlobProgress.imageEvent(progress, "pushing content", name, root);
    RemoteGraph graph =
        RemoteGraph.walk(
            d -> readLocal(ns, d, name), root, name, new RemoteGraph.Filter(platforms, false, 0));
    for (RemoteGraph.Blob blob : graph.blobs.values()) {
      if (store.content().info(ns, blob.desc().getDigest()).isEmpty()) {
        throw missing(blob.desc(), name);
      }
    }
    String host = client.registryHost();
    String sourceKey = ImageGraph.DISTRIBUTION_SOURCE + host;
    String targetRepo = client.reference().repository();
    List<BlobTasks.Task> tasks = new ArrayList<>();
    for (RemoteGraph.Blob blob : graph.blobs.values()) {
      tasks.add(
          () -> {
            Descriptor d = blob.desc();
            BlobProgress events = new BlobProgress(context, "uploading", d, blob.parents());
            events.waiting();
            if (client.exists(d)) {
              events.alreadyExists();
              return;
            }
            List<String> mountFrom = mountCandidates(ns, d, sourceKey, targetRepo);
            AtomicLong sent = new AtomicLong();
            client.pushBlob(
                d,
                offset -> {
                  sent.set(offset);
                  InputStream in = store.content().read(ns, d.getDigest(), offset);
                  return new RegistryCopyOperation.Counting(in, sent, events);
                },
                mountFrom);
            events.complete();
          });
    }
    BlobTasks.runAll(limits.uploads(), tasks);
    for (RemoteGraph.Node node : graph.manifests) {
      boolean isRoot = node.desc().getDigest().equals(root.getDigest());
      BlobProgress events = new BlobProgress(context, "uploading", node.desc(), node.parents());
      events.waiting();
      String target =
          isRoot && client.reference().digest() == null
              ? (client.reference().tag() == null ? "latest" : client.reference().tag())
              : node.desc().getDigest();
      if (!isRoot && client.exists(node.desc())) {
        events.alreadyExists();
        continue;
      }
      client.pushManifest(node.desc(), node.bytes(), target);
      events.moved(node.bytes().length);
      events.complete();
    }
    BlobProgress.imageEvent(progress, "pushed content", name, root);
    BlobProgress.imageEvent(progress, "Completed push to " + destination, "", root);
  }

  /**
   * What a push filtered to {@code platforms} sends as the root. For one platform, as {@code ctr
   * images push --platform}: that platform's manifest, under the tag (an index naming manifests
   * that were not pushed is refused by registries). For several: the index, only when they cover
   * every manifest it names; otherwise the push fails before anything is uploaded.
   */
  private Descriptor forPlatforms(String ns, Image image, List<Platform> platforms)
      throws Exception {
    Descriptor current = image.target();
    for (int depth = 0; MediaTypes.isIndex(current.getMediaType()); depth++) {
      if (depth > 8) {
        throw StoreException.invalidArgument("image \"" + image.name() + "\": indexes too deep");
      }
      List<ImageGraph.Child> children =
          ImageGraph.children(current, readLocal(ns, current, image.name()));
      List<ImageGraph.Child> matching =
          children.stream()
              .filter(c -> ImageGraph.platformRank(c.platform(), platforms) >= 0)
              .sorted(
                  Comparator.comparingInt(c -> ImageGraph.platformRank(c.platform(), platforms)))
              .toList();
      if (matching.isEmpty()) {
        throw StoreException.notFound(
            "image \"" + image.name() + "\" has no manifest for platform " + describe(platforms));
      }
      if (platforms.size() > 1) {
        if (matching.size() < children.size()) {
          throw StoreException.failedPrecondition(
              "image \""
                  + image.name()
                  + "\" is an index of "
                  + children.size()
                  + " manifests and "
                  + describe(platforms)
                  + " select "
                  + matching.size()
                  + ": pushing the index would name manifests that are not pushed; push one"
                  + " --platform at a time (its manifest goes under the tag) or every platform");
        }
        return current;
      }
      current = matching.getFirst().descriptor();
    }
    return current;
  }

  private static String describe(List<Platform> platforms) {
    return String.join(
        ", ",
        platforms.stream()
            .map(
                p ->
                    p.getOs()
                        + "/"
                        + p.getArchitecture()
                        + (p.getVariant().isEmpty() ? "" : "/" + p.getVariant()))
            .toList());
  }

  private byte[] readLocal(String ns, Descriptor d, String image) throws Exception {
    if (store.content().info(ns, d.getDigest()).isEmpty()) {
      throw missing(d, image);
    }
    try (InputStream in = store.content().read(ns, d.getDigest(), 0)) {
      byte[] bytes = in.readNBytes(RemoteGraph.MAX_MANIFEST + 1);
      if (bytes.length != d.getSize()) {
        throw new StoreException(
            StatusCode.DATA_LOSS,
            "content "
                + d.getDigest()
                + " of image \""
                + image
                + "\" has "
                + bytes.length
                + " bytes, not "
                + d.getSize());
      }
      return bytes;
    }
  }

  private static StoreException missing(Descriptor d, String image) {
    return StoreException.failedPrecondition(
        "content "
            + d.getDigest()
            + " ("
            + d.getMediaType()
            + ") of image \""
            + image
            + "\" is not in the local store: was it pulled for one platform only? Pull it with all"
            + " platforms or push with a platform filter");
  }

  /** Repositories of the destination registry holding {@code d}, longest common prefix first. */
  private List<String> mountCandidates(String ns, Descriptor d, String sourceKey, String target) {
    String repos =
        store
            .content()
            .info(ns, d.getDigest())
            .map(ContentInfo::labels)
            .map(l -> l.get(sourceKey))
            .orElse(null);
    if (repos == null || repos.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(List.of(repos.split(",")));
    out.remove(target);
    out.sort(Comparator.comparingInt((String r) -> -commonPrefix(r, target)));
    return out;
  }

  private static int commonPrefix(String a, String b) {
    String[] x = a.split("/");
    String[] y = b.split("/");
    int n = 0;
    while (n < x.length && n < y.length && x[n].equals(y[n])) {
      n++;
    }
    return n;
  }
}
