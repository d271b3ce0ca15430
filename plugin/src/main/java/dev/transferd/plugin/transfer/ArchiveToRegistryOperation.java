package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveImporter;
import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.archive.ImportWalker;
import dev.transferd.plugin.archive.ImportedArchive;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.Store;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Clock;
import java.util.List;

/**
 * Import stream to registry: an archive pushed to a registry as one transfer (containerd has no
 * such pair). The archive is read and validated exactly as an import reads it, its blobs written to
 * the local store under the call's lease or a temporary one, and the one image it holds pushed from
 * there as a push would push it. Nothing is named locally: with a temporary lease the blobs are the
 * garbage collector's once the call ends. An archive holding several images is INVALID_ARGUMENT (a
 * push names one image); import it and push each. Progress: {@code Importing}, then the push's.
 */
final class ArchiveToRegistryOperation
    implements TransferOperation<ImportStreamEndpoint, RegistryEndpoint> {
  private final Store store;
  private final ArchiveLimits limits;
  private final PushOperation push;
  private final Clock clock;

  ArchiveToRegistryOperation(Store store, ArchiveLimits limits, PushOperation push, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.push = push;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, ImportStreamEndpoint source, RegistryEndpoint destination)
      throws Exception {
    String namespace = context.namespace();
    context.progress().report("Importing");
    try (OperationLease lease = OperationLease.of(context, store.leases(), clock)) {
      StoreBlobs blobs = new StoreBlobs(store.content(), store.leases(), namespace, lease.id());
      ImportedArchive archive =
          ArchiveImporter.read(
              source.archive(),
              source.spec().getMediaType(),
              source.spec().getForceCompress(),
              blobs,
              limits);
      ImportWalker.Result graph =
          new ImportWalker(blobs, PlatformMatcher.anyOf(List.of()), true, 0, limits).walk(archive);
      if (graph.images().size() != 1) {
        throw new TtrpcException(
            StatusCode.INVALID_ARGUMENT,
            "the archive holds "
                + graph.images().size()
                + " images and a push names one: import the archive, then push each image");
      }
      Descriptor image = graph.images().getFirst();
      push.push(context, image, destination.toString(), List.of(), destination);
    }
  }
}
