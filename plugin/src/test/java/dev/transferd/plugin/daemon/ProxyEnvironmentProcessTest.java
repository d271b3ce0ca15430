package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.transferd.plugin.registry.OciLayout;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxies from the daemon's environment ({@code HTTP_PROXY}, {@code NO_PROXY}) with Debian's {@code
 * tinyproxy} as the proxy. Loopback addresses and {@code localhost} are never proxied (as Go's
 * {@code ProxyFromEnvironment}), so the registry is named by this machine's host name, which
 * resolves to 127.0.0.1 here: the daemon does not resolve it to choose, tinyproxy resolves it to
 * connect.
 */
class ProxyEnvironmentProcessTest {
  @TempDir Path dir;
  private Process proxy;

  @BeforeEach
  void requirements() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/tinyproxy")), "tinyproxy");
  }

  @AfterEach
  void stopProxy() throws Exception {
    if (proxy != null) {
      proxy.destroy();
      if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
        proxy.destroyForcibly().waitFor();
      }
    }
  }

  /** This machine's name if it resolves to 127.0.0.1 (where the test registry listens). */
  private static String hostNameOnLoopback() throws IOException {
    String name = InetAddress.getLocalHost().getHostName();
    boolean loopback =
        !name.equals("localhost")
            && InetAddress.getByName(name).getHostAddress().equals("127.0.0.1");
    assumeTrue(loopback, "the host name " + name + " does not resolve to 127.0.0.1");
    return name;
  }

  private int startTinyproxy() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("tinyproxy.conf");
    Files.writeString(
        conf,
        "Port "
            + port
            + "\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nMaxClients 20\nLogLevel Info\n"
            + "LogFile \""
            + dir.resolve("tinyproxy.log")
            + "\"\n");
    proxy =
        new ProcessBuilder("tinyproxy", "-d", "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("tinyproxy.out").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return port;
      } catch (IOException e) {
        assertTrue(proxy.isAlive(), () -> "tinyproxy exited: " + read("tinyproxy.out"));
        assertTrue(System.nanoTime() < deadline, "tinyproxy did not listen");
        Thread.sleep(20);
      }
    }
  }

  private String read(String file) {
    try {
      return Files.exists(dir.resolve(file)) ? Files.readString(dir.resolve(file)) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private DaemonProcess daemon(String name, Map<String, String> proxyEnv) throws Exception {
    Path home = dir.resolve(name);
    Files.createDirectories(home);
    Path config = DaemonProcess.writeConfig(home, "");
    Map<String, String> env = new HashMap<>();
    for (String v : List.of("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")) {
      env.put(v, "");
      env.put(v.toLowerCase(java.util.Locale.ROOT), "");
    }
    env.putAll(proxyEnv);
    return DaemonProcess.start(
        home.resolve("t.sock"),
        home.resolve("transferd.log"),
        List.of("--config", "" + config),
        env);
  }

  private static void pull(DaemonProcess daemon, String ref) throws IOException {
    try (TtrpcClient ttrpc = TtrpcClient.connect(daemon.socket)) {
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(RegistryImage.of(ref).withDefaultScheme("http"), StoredImage.named("p:1"));
    }
  }

  private long proxiedRequests(String hostAndPort) {
    return read("tinyproxy.log")
        .lines()
        .filter(l -> l.contains("Request (") && l.contains("http://" + hostAndPort + "/v2/"))
        .count();
  }

  @Test
  void pullsGoThroughHttpProxyAndNoProxyBypassesIt() throws Exception {
    String name = hostNameOnLoopback();
    try (TestRegistry registry = TestRegistry.plain(dir.resolve("registry"))) {
      OciLayout.Image image =
          RegistryFixtures.pushImage(
              dir.resolve("layout"), 11, registry.host() + "/app/proxied:v1", 100_000);
      String host = name + ":" + registry.host().substring(registry.host().indexOf(':') + 1);
      String ref = host + "/app/proxied:v1";
      int port = startTinyproxy();

      try (DaemonProcess proxied =
          daemon("proxied", Map.of("HTTP_PROXY", "http://127.0.0.1:" + port))) {
        pull(proxied, ref);
      }
      long through = proxiedRequests(host);
      // resolve, manifest, config and layer at least
      assertTrue(through >= 3, "tinyproxy carried the pull:\n" + read("tinyproxy.log"));
      assertTrue(
          read("tinyproxy.log")
              .contains("/v2/app/proxied/blobs/" + image.layers().getFirst().digest()),
          "the layer came through the proxy");

      try (DaemonProcess bypassing =
          daemon(
              "bypassing",
              Map.of(
                  "HTTP_PROXY", "http://127.0.0.1:" + port, "NO_PROXY", "example.org," + name))) {
        pull(bypassing, ref);
      }
      assertEquals(through, proxiedRequests(host), "NO_PROXY names the host: nothing proxied");
    }
  }
}
