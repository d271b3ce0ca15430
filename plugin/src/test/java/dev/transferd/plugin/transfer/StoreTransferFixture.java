package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.client.TransferClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The Transfer service backed by an embedded store on disk, served over a real unix socket, with a
 * Java client in namespace {@code default}. Closing it stops the server, then closes the store.
 */
public final class StoreTransferFixture implements AutoCloseable {
  public final EmbeddedStore store;
  public final StreamingFixture streaming;
  public final TransferClient client;

  private StoreTransferFixture(
      EmbeddedStore store, StreamingFixture streaming, TransferClient client) {
    this.store = store;
    this.streaming = streaming;
    this.client = client;
  }

  /**
   * Store options for tests that decide when garbage is collected: no background collection, and no
   * grace period after a delete or for an idle ingest once the collector is run.
   */
  public static EmbeddedStoreOptions collectOnlyWhenAsked() {
    return EmbeddedStoreOptions.defaults()
        .withGcInterval(Duration.ZERO)
        .withGcDelayAfterDelete(Duration.ZERO)
        .withStaleIngestAge(Duration.ZERO);
  }

  public static StoreTransferFixture start(Path storeDir, EmbeddedStoreOptions options)
      throws IOException {
    return start(storeDir, options, TransferObserver.NONE);
  }

  /** Opens the store in {@code storeDir} and serves it; {@code observer} sees every report. */
  public static StoreTransferFixture start(
      Path storeDir, EmbeddedStoreOptions options, TransferObserver observer) throws IOException {
    return start(storeDir, options, observer, TransferSettings.DEFAULTS);
  }

  /** Like {@link #start(Path, EmbeddedStoreOptions, TransferObserver)} with {@code settings}. */
  public static StoreTransferFixture start(
      Path storeDir,
      EmbeddedStoreOptions options,
      TransferObserver observer,
      TransferSettings settings)
      throws IOException {
    EmbeddedStore store = EmbeddedStore.open(storeDir, options);
    try {
      StreamManager manager = new StreamManager();
      StreamingFixture streaming =
          StreamingFixture.start(
              manager, TransferService.definition(manager, settings, store, observer));
      TransferClient client = TransferClient.builder(streaming.client).namespace("default").build();
      return new StoreTransferFixture(store, streaming, client);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      streaming.close();
    } finally {
      store.close();
    }
  }
}
