package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveImporter;
import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.archive.ImportWalker;
import dev.transferd.plugin.archive.ImportedArchive;
import dev.transferd.plugin.archive.PlatformMatcher;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore.Write;
import dev.transferd.plugin.store.Store;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.proto.types.transfer.Progress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Import stream to image store (docs/protocol/transfer.md §8.3): the archive is read once, every
 * file stored as a blob as it streams in, under the caller's lease when the call carried one, else
 * under a temporary lease; uncompressed Docker layers are gzipped on the way when the source asks
 * ({@code force_compress}). Then the layout is checked and walked with the destination's platform
 * filter, GC labels are set on the parent blobs, and all the image records (the root index under
 * {@code name}, each archive entry under the names its annotations and the prefix references give)
 * are written in one store transaction. Any failure before that names nothing; a temporary lease
 * goes, and the garbage collector takes the blobs (under the caller's lease they stay until the
 * caller deletes it, as in containerd). Progress: {@code Importing}, one {@code saved} per image
 * record, {@code Completed import}. Unpacking is not done here.
 */
final class ImportOperation implements TransferOperation<ImportStreamEndpoint, ImageStoreEndpoint> {
  private static final Logger log = LoggerFactory.getLogger(ImportOperation.class);

  private final Store store;
  private final ArchiveLimits limits;
  private final Clock clock;

  ImportOperation(Store store, ArchiveLimits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, ImportStreamEndpoint source, ImageStoreEndpoint destination)
      throws Exception {
    String namespace = context.namespace();
    ImageStore spec = destination.spec();
    ImageNaming naming = new ImageNaming(spec, clock);
    context.progress().report("Importing");
    List<Image> stored;
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
          new ImportWalker(
                  blobs,
                  PlatformMatcher.anyOf(spec.getPlatformsList()),
                  spec.getAllMetadata(),
                  spec.getManifestLimit(),
                  limits)
              .walk(archive);
      for (Map.Entry<String, Map<String, String>> e : graph.gcLabels().entrySet()) {
        List<String> paths = e.getValue().keySet().stream().map(k -> "labels." + k).toList();
        store.content().update(namespace, e.getKey(), e.getValue(), paths);
      }
      Map<String, Write> writes = new LinkedHashMap<>();
      List<Descriptor> named = new ArrayList<>();
      named.add(archive.root());
      named.addAll(graph.images());
      for (Descriptor d : named) {
        List<Write> forD = naming.writesFor(d);
        if (forD.isEmpty() && d != archive.root()) {
          log.debug("no image name for {} in the {} archive", d.getDigest(), archive.format());
        }
        forD.forEach(w -> writes.put(w.image().name(), w));
      }
      stored =
          writes.isEmpty()
              ? List.of()
              : store.images().store(namespace, List.copyOf(writes.values()));
    }
    for (Image image : stored) {
      context
          .progress()
          .report(
              Progress.newBuilder()
                  .setEvent("saved")
                  .setName(image.name())
                  .setDesc(image.target())
                  .build());
    }
    context.progress().report("Completed import");
  }
}
