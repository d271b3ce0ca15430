package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.archive.BlobSink;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.unpack.ImageLayers;
import dev.transferd.plugin.unpack.ImageRepacker;
import dev.transferd.proto.transferd.transfer.RepackDirectory;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Directory to image store (transferd's own pair): the changes between the stored base image's tree
 * (for the source's platform, the daemon's own when unset) and the directory become one new gzip
 * layer on top of the base ({@link ImageRepacker}); the new config, manifest and layer are stored
 * under the operation's lease (the caller's, or a temporary one), and the destination's name then
 * points at the new manifest, replacing what it named before. The base's blobs are held by the
 * lease throughout. Progress: {@code Repacking}, the new layer's {@code complete}, the name's
 * {@code saved}, {@code Completed repack}.
 */
final class RepackOperation
    implements TransferOperation<RepackDirectoryEndpoint, ImageStoreEndpoint> {
  static final String CREATED_BY = "transferd repack";

  private final Store store;
  private final ArchiveLimits limits;
  private final Clock clock;

  RepackOperation(Store store, ArchiveLimits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, RepackDirectoryEndpoint source, ImageStoreEndpoint destination)
      throws Exception {
    String namespace = context.namespace();
    RepackDirectory spec = source.spec();
    String target = destination.spec().getName();
    if (spec.getBase().isEmpty() || target.isEmpty()) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT, "repack: both the base image and the new name are needed");
    }
    context.progress().report("Repacking");
    try (OperationLease lease = OperationLease.of(context, store.leases(), clock)) {
      Image base =
          store
              .images()
              .get(namespace, spec.getBase())
              .orElseThrow(
                  () ->
                      StoreException.notFound(
                          "repack: base image \"" + spec.getBase() + "\": not found"));
      store
          .leases()
          .addResource(
              namespace, lease.id(), new Lease.Resource(base.target().getDigest(), "content"));
      PlatformMatcher platform =
          spec.hasPlatform()
              ? PlatformMatcher.anyOf(List.of(spec.getPlatform()))
              : PlatformMatcher.host();
      ImageLayers layers =
          ImageLayers.resolve(
              store.content(), namespace, base.target(), platform, limits.maxJsonBytes());
      StoreBlobs blobs = new StoreBlobs(store.content(), store.leases(), namespace, lease.id());

      ImageRepacker.NewLayer layer;
      Descriptor layerDesc;
      try (BlobSink.Ingest ingest = blobs.ingest("repack-layer")) {
        try {
          layer =
              ImageRepacker.writeLayer(
                  layers,
                  digest -> store.content().read(namespace, digest, 0),
                  source.path(),
                  ingest);
        } catch (java.nio.file.NoSuchFileException e) {
          throw StoreException.notFound("repack: " + e.getMessage());
        }
        layerDesc =
            Descriptor.newBuilder()
                .setMediaType(ImageRepacker.layerMediaType(layers))
                .setDigest(ingest.digest())
                .setSize(ingest.size())
                .build();
        ingest.commit(
            layerDesc.getSize(),
            layerDesc.getDigest(),
            Map.of("containerd.io/uncompressed", layer.diffId()));
      }
      BlobProgress.imageEvent(context.progress(), "complete", target, layerDesc);
      context.countBytes(layerDesc.getSize());

      ImageRepacker.NewImage image =
          ImageRepacker.image(layers, layerDesc, layer.diffId(), clock.instant(), CREATED_BY);
      store(blobs, image.configJson(), image.config(), Map.of());
      Map<String, String> refs = new LinkedHashMap<>();
      refs.put(ImageGraph.GC_REF + "config", image.config().getDigest());
      for (int i = 0; i < layers.layers().size(); i++) {
        refs.put(ImageGraph.GC_REF + "l." + i, layers.layers().get(i).blob().getDigest());
      }
      refs.put(ImageGraph.GC_REF + "l." + layers.layers().size(), layerDesc.getDigest());
      store(blobs, image.manifestJson(), image.manifest(), refs);
      store
          .images()
          .store(
              namespace,
              List.of(
                  new ImageStore.Write(
                      new Image(
                          target, image.manifest(), destination.spec().getLabelsMap(), null, null),
                      true)));
      BlobProgress.imageEvent(context.progress(), "saved", target, image.manifest());
    }
    context.progress().report("Completed repack");
  }

  private static void store(
      StoreBlobs blobs, byte[] bytes, Descriptor desc, Map<String, String> labels)
      throws IOException {
    try (BlobSink.Ingest ingest = blobs.ingest(desc.getDigest())) {
      ingest.write(bytes);
      ingest.commit(bytes.length, desc.getDigest(), labels);
    }
  }
}
