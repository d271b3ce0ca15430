package dev.transferd.plugin.services;

import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.Store;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The content contract, containerd's content test suite included, end to end: the Content and
 * Namespaces services on a real unix socket, driven by a ttrpc client that behaves as containerd's
 * content proxy does. Each test gets a fresh daemon-side store and server.
 */
class ContentServiceContractTest extends ContentStoreContract {
  @Override
  protected Store open(Path root, ContentSharingPolicy sharing) throws IOException {
    return RemoteStore.open(root, sharing);
  }
}
