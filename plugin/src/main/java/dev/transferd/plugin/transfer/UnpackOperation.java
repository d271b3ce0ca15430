package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.unpack.ImageLayers;
import dev.transferd.plugin.unpack.ImageUnpacker;
import dev.transferd.plugin.unpack.LayerSource;
import dev.transferd.plugin.unpack.UnpackListener;
import dev.transferd.plugin.unpack.UnpackResult;
import dev.transferd.proto.transferd.transfer.UnpackDirectory;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image store to directory (transferd's own pair): unpacks the one image the source names, for the
 * destination's platform (the daemon's own when unset), into the destination directory on the
 * daemon's machine, all or nothing ({@link ImageUnpacker}). The image's blobs are held by a
 * temporary lease from lookup to the last layer. Progress: {@code Unpacking}, then per layer {@code
 * waiting}, {@code unpacking} (compressed bytes read, at most every 300 ms), {@code complete}, then
 * one event per skipped kind of metadata when not root ({@code skipped ...}), then {@code Completed
 * unpack}.
 */
final class UnpackOperation
    implements TransferOperation<ImageStoreEndpoint, UnpackDirectoryEndpoint> {
  private final Store store;
  private final ArchiveLimits limits;
  private final Clock clock;

  UnpackOperation(Store store, ArchiveLimits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, ImageStoreEndpoint source, UnpackDirectoryEndpoint destination)
      throws Exception {
    String namespace = context.namespace();
    String name = source.spec().getName();
    if (name.isEmpty()) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, "unpack: no image named to unpack");
    }
    context.progress().report("Unpacking");
    try (OperationLease guard = OperationLease.temporary(store.leases(), namespace, clock)) {
      Image image =
          store
              .images()
              .get(namespace, name)
              .orElseThrow(
                  () -> StoreException.notFound("unpack: image \"" + name + "\": not found"));
      store
          .leases()
          .addResource(
              namespace, guard.id(), new Lease.Resource(image.target().getDigest(), "content"));
      UnpackDirectory spec = destination.spec();
      PlatformMatcher platform =
          spec.hasPlatform()
              ? PlatformMatcher.anyOf(List.of(spec.getPlatform()))
              : PlatformMatcher.host();
      ImageLayers layers =
          ImageLayers.resolve(
              store.content(), namespace, image.target(), platform, limits.maxJsonBytes());
      Map<String, BlobProgress> progress = new HashMap<>();
      for (ImageLayers.Layer layer : layers.layers()) {
        BlobProgress p = new BlobProgress(context, "unpacking", layer.blob(), List.of(name));
        progress.put(layer.blob().getDigest(), p);
        p.waiting();
      }
      UnpackResult result =
          unpack(
              layers.layers(),
              digest -> store.content().read(namespace, digest, 0),
              destination.path(),
              new UnpackListener() {
                @Override
                public void applying(Descriptor layer, long bytes) {
                  progress.get(layer.getDigest()).active(bytes, false);
                }

                @Override
                public void applied(Descriptor layer) {
                  BlobProgress p = progress.get(layer.getDigest());
                  p.moved(layer.getSize());
                  p.complete();
                }
              });
      for (String skipped : result.skipped()) {
        context.progress().report("skipped " + skipped);
      }
    }
    context.progress().report("Completed unpack");
  }

  private static UnpackResult unpack(
      List<ImageLayers.Layer> layers, LayerSource source, Path dir, UnpackListener listener)
      throws IOException {
    try {
      return ImageUnpacker.unpack(layers, source, dir, listener);
    } catch (FileAlreadyExistsException e) {
      throw StoreException.alreadyExists("unpack: " + e.getMessage());
    }
  }
}
