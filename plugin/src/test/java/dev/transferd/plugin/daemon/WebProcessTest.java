package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transferd as a process with its web server: the URL it logs serves, an unsafe one never starts.
 */
class WebProcessTest {
  @TempDir Path dir;

  @Test
  void theLoggedUrlServesTheConsoleAndThePullEndpoint() throws Exception {
    Path config = DaemonProcess.writeConfig(dir, "");
    try (DaemonProcess transferd =
        DaemonProcess.start(
            dir.resolve("t.sock"),
            dir.resolve("transferd.log"),
            List.of("--config", config.toString(), "--web-address", "127.0.0.1:0"))) {
      String url =
          transferd
              .awaitLine("web console on (http://127\\.0\\.0\\.1:\\d+)/ \\(namespace default\\)")
              .group(1);
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> v2 =
          client.send(
              HttpRequest.newBuilder(URI.create(url + "/v2/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, v2.statusCode());
      assertEquals(
          "registry/2.0", v2.headers().firstValue("Docker-Distribution-API-Version").get());
      HttpResponse<String> page =
          client.send(
              HttpRequest.newBuilder(URI.create(url + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(page.body().contains("<title>transferd</title>"), page.body());
    }
  }

  @Test
  void aConfigFileListeningBeyondLoopbackWithoutTlsNeverStarts() throws Exception {
    Path config = DaemonProcess.writeConfig(dir, "[web]\naddress = \"0.0.0.0:0\"\n");
    Process p =
        new ProcessBuilder(DaemonProcess.command(List.of("--config", config.toString())))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    assertEquals(
        "transferd: invalid configuration: [web] address 0.0.0.0:0 listens beyond loopback: set"
            + " tls_cert and tls_key, and htpasswd or tokens_file, or listen on 127.0.0.1\n",
        out);
  }
}
