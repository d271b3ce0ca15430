package dev.transferd.streams;

import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A ttrpc server with the Streaming service on a temporary unix socket, and clients for it. */
public final class StreamingFixture implements AutoCloseable {
  public final Path socket;
  public final StreamManager manager;
  public final TtrpcServer server;
  private final List<TtrpcClient> clients = new ArrayList<>();
  public final TtrpcClient client;

  private StreamingFixture(Path socket, StreamManager manager, TtrpcServer server) {
    this.socket = socket;
    this.manager = manager;
    this.server = server;
    this.client = newClient();
  }

  public static StreamingFixture start(ServiceDefinition... more) throws IOException {
    return start(new StreamManager(), more);
  }

  public static StreamingFixture start(StreamManager manager, ServiceDefinition... more)
      throws IOException {
    return start(manager, List.of(), more);
  }

  /** A server whose calls pass through {@code interceptors}, first outermost. */
  public static StreamingFixture start(
      StreamManager manager, List<ServerInterceptor> interceptors, ServiceDefinition... more)
      throws IOException {
    Path dir = Files.createTempDirectory("streams");
    TtrpcServer.Builder builder =
        TtrpcServer.builder().addService(StreamingService.definition(manager));
    interceptors.forEach(builder::interceptor);
    for (ServiceDefinition s : more) {
      builder.addService(s);
    }
    Path socket = dir.resolve("s.sock");
    return new StreamingFixture(socket, manager, builder.build().start(socket));
  }

  /** A new client with its own connection, closed with the fixture. */
  public TtrpcClient newClient() {
    TtrpcClient c = TtrpcClient.connect(socket);
    clients.add(c);
    return c;
  }

  public StreamCreator creator(String namespace) {
    return new StreamCreator(client, namespace);
  }

  /** Waits until no stream is registered, or fails after 5 s. */
  public void awaitNoStreams() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (manager.size() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(manager.size() + " streams still registered");
      }
      Thread.sleep(5);
    }
  }

  @Override
  public void close() throws IOException {
    clients.forEach(TtrpcClient::close);
    server.close();
    Files.deleteIfExists(socket);
    Files.deleteIfExists(socket.getParent());
  }
}
