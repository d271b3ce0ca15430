package dev.transferd.plugin.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.transferd.plugin.daemon.WebDaemon;
import dev.transferd.plugin.registry.Skopeo;
import dev.transferd.plugin.registry.TestCerts;
import dev.transferd.ttrpc.testing.RealPeers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web server's protections: exposure rules at start, TLS, basic and bearer authentication. */
class WebSecurityTest {
  @TempDir Path dir;

  @Test
  void beyondLoopbackWithoutTlsAndAuthRefusesToStart() throws Exception {
    IllegalArgumentException plain =
        assertThrows(
            IllegalArgumentException.class,
            () -> WebDaemon.config(dir, "address = \"0.0.0.0:8080\""));
    assertEquals(
        "[web] address 0.0.0.0:8080 listens beyond loopback: set tls_cert and tls_key, and"
            + " htpasswd or tokens_file, or listen on 127.0.0.1",
        plain.getMessage());
    Path tokens = Files.writeString(dir.resolve("tokens"), "secret\n");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            WebDaemon.config(dir, "address = \"0.0.0.0:8080\"\ntokens_file = \"" + tokens + "\""));
    TestCerts.selfSigned(dir, "web", "127.0.0.1");
    assertThrows(
        IllegalArgumentException.class,
        () -> WebDaemon.config(dir, "address = \"0.0.0.0:8080\"\n" + tls()));
    // both: accepted
    WebDaemon.config(
        dir, "address = \"0.0.0.0:8080\"\n" + tls() + "tokens_file = \"" + tokens + "\"");
  }

  private String tls() {
    return "tls_cert = \""
        + dir.resolve("web.crt")
        + "\"\ntls_key = \""
        + dir.resolve("web.key")
        + "\"\n";
  }

  private static HttpClient trustingClient() throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(
        null,
        new TrustManager[] {
          new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    return HttpClient.newBuilder().sslContext(ssl).build();
  }

  private static HttpResponse<String> get(HttpClient client, String url, String authorization)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void basicAuthOverTlsChallengesWrongCredentials() throws Exception {
    RealPeers.requireExecutable("/usr/bin/openssl", "openssl");
    TestCerts.selfSigned(dir, "web", "127.0.0.1");
    String hash = BCrypt.withDefaults().hashToString(4, "s3cret".toCharArray());
    Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "alice:" + hash + "\n");
    try (WebDaemon web = WebDaemon.start(dir, tls() + "htpasswd = \"" + htpasswd + "\"")) {
      HttpClient client = trustingClient();
      for (String wrong :
          new String[] {null, basic("alice", "nope"), basic("bob", "s3cret"), "Bearer s3cret"}) {
        HttpResponse<String> denied = get(client, web.base + "/v2/", wrong);
        assertEquals(401, denied.statusCode(), String.valueOf(wrong));
        assertEquals(
            "Basic realm=\"transferd\"", denied.headers().firstValue("WWW-Authenticate").get());
        assertEquals(401, get(client, web.base + "/", wrong).statusCode());
      }
      assertEquals(200, get(client, web.base + "/v2/", basic("alice", "s3cret")).statusCode());
      // a real registry client answers the challenge: past it, the repository is unknown
      String ref = "docker://" + web.hostPort() + "/localhost/none:v1";
      java.io.IOException known =
          assertThrows(
              java.io.IOException.class,
              () -> Skopeo.run("inspect", "--tls-verify=false", "--creds", "alice:s3cret", ref));
      assertEquals(true, known.getMessage().contains("name unknown"), known.getMessage());
      java.io.IOException refused =
          assertThrows(
              java.io.IOException.class,
              () -> Skopeo.run("inspect", "--tls-verify=false", "--creds", "alice:nope", ref));
      assertEquals(
          true, refused.getMessage().toLowerCase().contains("unauthorized"), refused.getMessage());
    }
  }

  @Test
  void bearerTokensAdmitTheirHolders() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "# ops\ntoken-one\ntoken-two\n");
    try (WebDaemon web = WebDaemon.start(dir, "tokens_file = \"" + tokens + "\"")) {
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> denied = get(client, web.base + "/v2/", "Bearer token-three");
      assertEquals(401, denied.statusCode());
      assertEquals(
          "Bearer realm=\"transferd\"", denied.headers().firstValue("WWW-Authenticate").get());
      assertEquals(200, get(client, web.base + "/v2/", "Bearer token-two").statusCode());
    }
  }
}
