package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The content contract against the embedded store (no background collection: runs are explicit).
 */
class EmbeddedContentStoreTest extends ContentStoreContract {
  @Override
  protected Store open(Path root, ContentSharingPolicy sharing) throws IOException {
    return EmbeddedStore.open(
        root,
        EmbeddedStoreOptions.defaults()
            .withGcInterval(Duration.ZERO)
            .withGcDelayAfterDelete(Duration.ZERO)
            .withContentSharing(sharing));
  }
}
