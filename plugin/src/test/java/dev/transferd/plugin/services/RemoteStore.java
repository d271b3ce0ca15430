package dev.transferd.plugin.services;

import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.NamespaceStore;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.ttrpc.ServiceDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded store served by the containerd services on a real unix socket, seen through a ttrpc
 * client: {@link #content()} and {@link #namespaces()} go over the socket. Images and leases are
 * not needed by the content contract and are refused.
 */
final class RemoteStore implements Store {
  private final EmbeddedStore served;
  private final StreamingFixture server;
  private final RemoteContentStore content;
  private final RemoteNamespaceStore namespaces;

  private RemoteStore(EmbeddedStore served, StreamingFixture server) {
    this.served = served;
    this.server = server;
    this.content = new RemoteContentStore(server.client);
    this.namespaces = new RemoteNamespaceStore(server.client);
  }

  static RemoteStore open(Path root, ContentSharingPolicy sharing) throws IOException {
    EmbeddedStore store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO)
                .withContentSharing(sharing));
    try {
      return new RemoteStore(
          store,
          StreamingFixture.start(
              StoreServices.definitions(store, "test-uuid").toArray(new ServiceDefinition[0])));
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  @Override
  public ContentStore content() {
    return content;
  }

  @Override
  public NamespaceStore namespaces() {
    return namespaces;
  }

  @Override
  public ImageStore images() {
    throw new UnsupportedOperationException("the content contract reaches only content remotely");
  }

  @Override
  public LeaseManager leases() {
    throw new UnsupportedOperationException("the content contract reaches only content remotely");
  }

  @Override
  public GcResult collectGarbage() {
    throw new UnsupportedOperationException("the content contract reaches only content remotely");
  }

  /**
   * Shuts the server down as the daemon does, letting running calls end (a Write call whose client
   * has closed its side closes its writer), then closes the store.
   */
  @Override
  public void close() throws IOException {
    try {
      server.server.shutdown(Duration.ofSeconds(10));
      server.close();
    } finally {
      served.close();
    }
  }
}
