package dev.transferd.plugin.bench;

import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.transfer.TransferService;
import dev.transferd.plugin.transfer.TransferSettings;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingService;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Our side of the registry benchmark: the Streaming and Transfer services on a unix socket in
 * {@code dir}, backed by an {@link EmbeddedStore} rooted there, and a {@link TransferClient} on its
 * own connection driving pulls and pushes as an agent would (with a progress listener, as ctr and
 * skopeo print progress too).
 */
final class OurTransferd implements AutoCloseable {
  private final EmbeddedStore store;
  private final TtrpcServer server;
  private final TtrpcClient ttrpc;
  private final TransferClient client;
  private final AtomicLong progressEvents = new AtomicLong();

  private OurTransferd(
      EmbeddedStore store, TtrpcServer server, TtrpcClient ttrpc, TransferClient client) {
    this.store = store;
    this.server = server;
    this.ttrpc = ttrpc;
    this.client = client;
  }

  static OurTransferd start(Path dir, TransferSettings settings) throws IOException {
    Files.createDirectories(dir);
    EmbeddedStore store = EmbeddedStore.open(dir.resolve("root"));
    StreamManager streams = new StreamManager();
    Path socket = dir.resolve("transferd.sock");
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(StreamingService.definition(streams))
            .addService(TransferService.definition(streams, settings, store))
            .build()
            .start(socket);
    TtrpcClient ttrpc = TtrpcClient.connect(socket);
    TransferClient client = TransferClient.builder(ttrpc).namespace("default").build();
    return new OurTransferd(store, server, ttrpc, client);
  }

  /** Pulls {@code ref} (plain HTTP, as {@code ctr --plain-http}) into the store as {@code name}. */
  void pull(String ref, String name) throws IOException {
    client.transfer(
        RegistryImage.of(ref).withDefaultScheme("http"),
        StoredImage.named(name),
        TransferOptions.withProgress(e -> progressEvents.incrementAndGet()));
  }

  /** Pushes the stored image {@code name} to {@code ref} (plain HTTP). */
  void push(String name, String ref) throws IOException {
    client.transfer(
        StoredImage.named(name),
        RegistryImage.of(ref).withDefaultScheme("http"),
        TransferOptions.withProgress(e -> progressEvents.incrementAndGet()));
  }

  /** The digest the stored image {@code name} points at, or null. */
  String imageTarget(String name) {
    return store
        .images()
        .get("default", name)
        .map(Image::target)
        .map(d -> d.getDigest())
        .orElse(null);
  }

  boolean hasContent(String digest) {
    return store.content().info("default", digest).isPresent();
  }

  long progressEvents() {
    return progressEvents.get();
  }

  @Override
  public void close() throws IOException {
    ttrpc.close();
    server.close();
    store.close();
  }
}
