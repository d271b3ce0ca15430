package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A daemon started in this JVM from a config file with a {@code [web]} table on a free loopback
 * port, for the web tests: its base URL, and imports through its own Transfer service.
 */
public final class WebDaemon implements AutoCloseable {
  public final Daemon daemon;
  public final String base;

  private WebDaemon(Daemon daemon, String base) {
    this.daemon = daemon;
    this.base = base;
  }

  /** The config a test gets: {@code webTable} lines are added to {@code [web]}. */
  public static DaemonConfig config(Path dir, String webTable) throws Exception {
    Path file = dir.resolve("transferd.toml");
    Files.writeString(
        file,
        """
        root = "%s"
        [ttrpc]
          address = "%s"
        [web]
        %s
        """
            .formatted(dir.resolve("root"), dir.resolve("t.sock"), webTable));
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(List.of(), ConfigFile.readOwn(file, builder));
    return builder.build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock")));
  }

  /** Starts a daemon serving the web console on 127.0.0.1 (a free port) plus {@code webTable}. */
  public static WebDaemon start(Path dir, String webTable) throws Exception {
    Daemon daemon = Daemon.start(config(dir, "address = \"127.0.0.1:0\"\n" + webTable));
    boolean tls = webTable.contains("tls_cert");
    int port = daemon.webAddress().orElseThrow().getPort();
    return new WebDaemon(daemon, (tls ? "https" : "http") + "://127.0.0.1:" + port);
  }

  /** {@code host:port} of the web server. */
  public String hostPort() {
    return "127.0.0.1:" + daemon.webAddress().orElseThrow().getPort();
  }

  /** Imports {@code archive} through the daemon's Transfer service into {@code destination}. */
  public void importArchive(Path archive, StoredImage destination) throws IOException {
    try (TtrpcClient ttrpc = TtrpcClient.connect(daemon.address());
        InputStream in = Files.newInputStream(archive)) {
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(ImportArchive.from(in), destination);
    }
  }

  /** The digest of the image {@code name}'s target, through the Images service. */
  public String targetDigest(String name) {
    try (TtrpcClient ttrpc = TtrpcClient.connect(daemon.address())) {
      return ttrpc
          .call(
              dev.transferd.plugin.services.ImagesService.GET,
              dev.transferd.proto.images.v1.GetImageRequest.newBuilder().setName(name).build(),
              dev.transferd.ttrpc.CallOptions.DEFAULT.withMetadata(
                  dev.transferd.streams.StreamingProtocol.NAMESPACE_KEY, "default"))
          .getImage()
          .getTarget()
          .getDigest();
    }
  }

  /** The names of the namespace's images, sorted. */
  public List<String> imageNames() {
    try (TtrpcClient ttrpc = TtrpcClient.connect(daemon.address())) {
      return ttrpc
          .call(
              dev.transferd.plugin.services.ImagesService.LIST,
              dev.transferd.proto.images.v1.ListImagesRequest.getDefaultInstance(),
              dev.transferd.ttrpc.CallOptions.DEFAULT.withMetadata(
                  dev.transferd.streams.StreamingProtocol.NAMESPACE_KEY, "default"))
          .getImagesList()
          .stream()
          .map(i -> i.getName())
          .sorted()
          .toList();
    }
  }

  @Override
  public void close() {
    daemon.close();
  }
}
