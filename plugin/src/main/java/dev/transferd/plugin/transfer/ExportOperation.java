package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveExporter;
import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.proto.types.transfer.ImageReference;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image store to export stream (docs/protocol/transfer.md §8.4): looks up {@code name} and the
 * non-prefix extra references, plans the archive (every blob checked present first, so a missing
 * one is a NOT_FOUND naming it and the client receives no bytes), then streams the tar from the
 * store. The image targets are held by a temporary lease of the export's own from lookup to the
 * last byte, so the garbage collector keeps every blob of the archive even if the images are
 * deleted meanwhile (a slow client may take minutes). The transfer's context closes the stream
 * after the last byte, before the response. Progress: {@code Exporting}, {@code Completed export}.
 */
final class ExportOperation implements TransferOperation<ImageStoreEndpoint, ExportStreamEndpoint> {
  private static final String DISTRIBUTION_SOURCE = "containerd.io/distribution.source.";

  private final Store store;
  private final ArchiveLimits limits;
  private final Clock clock;

  ExportOperation(Store store, ArchiveLimits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, ImageStoreEndpoint source, ExportStreamEndpoint destination)
      throws Exception {
    String namespace = context.namespace();
    context.progress().report("Exporting");
    try (OperationLease guard = OperationLease.temporary(store.leases(), namespace, clock)) {
      export(namespace, guard, source, destination);
    }
    context.progress().report("Completed export");
  }

  private void export(
      String namespace,
      OperationLease guard,
      ImageStoreEndpoint source,
      ExportStreamEndpoint destination)
      throws Exception {
    List<ArchiveExporter.Image> images = new ArrayList<>();
    for (String name : names(source.spec())) {
      Image image =
          store
              .images()
              .get(namespace, name)
              .orElseThrow(
                  () -> StoreException.notFound("export: image \"" + name + "\": not found"));
      // the target's GC labels reach the whole graph, as the image record's do
      store
          .leases()
          .addResource(
              namespace, guard.id(), new Lease.Resource(image.target().getDigest(), "content"));
      Map<String, String> annotations = new LinkedHashMap<>();
      store
          .content()
          .info(namespace, image.target().getDigest())
          .ifPresent(
              info ->
                  info.labels()
                      .forEach(
                          (k, v) -> {
                            if (k.startsWith(DISTRIBUTION_SOURCE)) {
                              annotations.put(k, v);
                            }
                          }));
      images.add(new ArchiveExporter.Image(name, image.target(), annotations));
    }
    ImageExportStream spec = destination.spec();
    ArchiveExporter.Options options =
        new ArchiveExporter.Options(
            spec.getPlatformsCount() > 0
                ? PlatformMatcher.anyOf(spec.getPlatformsList())
                : PlatformMatcher.host(),
            spec.getAllPlatforms(),
            spec.getSkipCompatibilityManifest(),
            spec.getSkipNonDistributable());
    StoreBlobs blobs = new StoreBlobs(store.content(), store.leases(), namespace, null);
    ArchiveExporter.Plan plan = ArchiveExporter.plan(images, blobs, options, limits);
    ArchiveExporter.write(plan, blobs, destination.archive());
  }

  private static List<String> names(ImageStore spec) {
    List<String> names = new ArrayList<>();
    if (!spec.getName().isEmpty()) {
      names.add(spec.getName());
    }
    for (ImageReference ref : spec.getExtraReferencesList()) {
      if (ref.getIsPrefix()) {
        throw new TtrpcException(
            StatusCode.UNIMPLEMENTED, "prefix lookup on export not implemented");
      }
      names.add(ref.getName());
    }
    if (names.isEmpty()) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, "export: no image named to export");
    }
    return names;
  }
}
