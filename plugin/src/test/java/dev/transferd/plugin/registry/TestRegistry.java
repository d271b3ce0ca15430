package dev.transferd.plugin.registry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code docker-registry} (distribution 2.8) on 127.0.0.1 with a free port and its storage
 * under a temp directory; plain, htpasswd basic, token or TLS according to the config snippets
 * given. Its log (access log included) goes to {@code registry.log} in the directory.
 */
public final class TestRegistry implements AutoCloseable {
  private final Path dir;
  private final Path config;
  private final int port;
  private final String scheme;
  private Process process;

  private TestRegistry(Path dir, Path config, int port, String scheme) {
    this.dir = dir;
    this.config = config;
    this.port = port;
    this.scheme = scheme;
  }

  /**
   * Starts a registry.
   *
   * @param auth the {@code auth:} section body (indented by 2), or "" for none
   * @param tls the {@code tls:} section body under {@code http:} (indented by 4), or ""
   */
  static TestRegistry start(Path dir, String auth, String tls) throws Exception {
    Files.createDirectories(dir.resolve("storage"));
    int port = freePort();
    String yml =
        "version: 0.1\n"
            + "log:\n  level: info\n  formatter: text\n"
            + "storage:\n  filesystem:\n    rootdirectory: "
            + dir.resolve("storage")
            + "\n"
            + "  delete:\n    enabled: true\n"
            + "  maintenance:\n    uploadpurging:\n      enabled: false\n"
            + "http:\n  addr: 127.0.0.1:"
            + port
            + "\n"
            + (tls.isEmpty() ? "" : "  tls:\n" + tls)
            + (auth.isEmpty() ? "" : "auth:\n" + auth);
    Path config = dir.resolve("config.yml");
    Files.writeString(config, yml);
    TestRegistry r = new TestRegistry(dir, config, port, tls.isEmpty() ? "http" : "https");
    r.launch();
    return r;
  }

  /**
   * A registry serving TLS with {@code certs/server.crt} and {@code server.key}; with {@code
   * clientCas}, it also demands a client certificate signed by {@code certs/ca.crt}.
   */
  static TestRegistry tls(Path dir, Path certs, boolean clientCas) throws Exception {
    return start(
        dir,
        "",
        "    certificate: "
            + certs.resolve("server.crt")
            + "\n    key: "
            + certs.resolve("server.key")
            + "\n"
            + (clientCas ? "    clientcas:\n      - " + certs.resolve("ca.crt") + "\n" : ""));
  }

  public static TestRegistry plain(Path dir) throws Exception {
    return start(dir, "", "");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void launch() throws Exception {
    process =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
            .start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited: " + Files.readString(log()));
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("docker-registry did not listen on " + port);
  }

  public String host() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  String url() {
    return scheme + "://" + host();
  }

  Path storage() {
    return dir.resolve("storage");
  }

  /** CPU time the registry process has used so far (zero if the OS does not say). */
  public Duration cpuTime() {
    return process == null
        ? Duration.ZERO
        : process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  public Path log() {
    return dir.resolve("registry.log");
  }

  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  public void restart() throws Exception {
    stop();
    launch();
  }

  /** The file holding a blob's bytes in the registry's storage. */
  public Path blobData(String digest) {
    String hex = digest.substring("sha256:".length());
    return storage()
        .resolve("docker/registry/v2/blobs/sha256")
        .resolve(hex.substring(0, 2))
        .resolve(hex)
        .resolve("data");
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
