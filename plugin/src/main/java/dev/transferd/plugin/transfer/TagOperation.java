package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore.Write;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import java.time.Clock;
import java.util.List;

/**
 * Image store to image store (docs/protocol/transfer.md §8.5): the destination's names (and
 * non-prefix extra references) point at the source image's target, with the destination's labels;
 * existing names are replaced. No progress events.
 */
final class TagOperation implements TransferOperation<ImageStoreEndpoint, ImageStoreEndpoint> {
  private final Store store;
  private final Clock clock;

  TagOperation(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public void run(
      TransferContext context, ImageStoreEndpoint source, ImageStoreEndpoint destination) {
    String namespace = context.namespace();
    String name = source.spec().getName();
    Image image =
        store
            .images()
            .get(namespace, name)
            .orElseThrow(() -> StoreException.notFound("tag: image \"" + name + "\": not found"));
    List<Write> writes = new ImageNaming(destination.spec(), clock).writesFor(image.target());
    if (writes.isEmpty()) {
      throw ImageNaming.noName();
    }
    store.images().store(namespace, writes);
  }
}
