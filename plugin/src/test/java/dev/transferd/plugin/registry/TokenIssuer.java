package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small token server for docker-registry's token auth: answers {@code GET /token} (Basic) and
 * {@code POST /token} (OAuth2 password and refresh_token grants) for one user, with ES256 JWTs
 * whose {@code x5c} holds a certificate the registry trusts through {@code rootcertbundle}. Records
 * each request's method and grant for the tests.
 */
final class TokenIssuer implements AutoCloseable {
  static final String SERVICE = "test-registry";
  static final String ISSUER = "test-issuer";

  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final String user;
  private final String password;
  private final String refreshToken;
  final List<String> requests = new CopyOnWriteArrayList<>();

  TokenIssuer(Path dir, String user, String password, String refreshToken) throws Exception {
    TestCerts.selfSigned(dir, "token", "token-signer");
    String pem = Files.readString(dir.resolve("token.key"));
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    key =
        KeyFactory.getInstance("EC")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    try (var in = Files.newInputStream(dir.resolve("token.crt"))) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    this.user = user;
    this.password = password;
    this.refreshToken = refreshToken;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/token", this::handle);
    server.start();
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The registry's {@code auth:} section trusting this issuer. */
  String authConfig(Path certBundle) {
    return "  token:\n    realm: "
        + realm()
        + "\n    service: "
        + SERVICE
        + "\n    issuer: "
        + ISSUER
        + "\n    rootcertbundle: "
        + certBundle
        + "\n";
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      Map<String, String> params = new LinkedHashMap<>();
      List<String> scopes = new java.util.ArrayList<>();
      String query = x.getRequestURI().getRawQuery();
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      for (String source : new String[] {query, body}) {
        if (source == null || source.isEmpty()) {
          continue;
        }
        for (String kv : source.split("&")) {
          int eq = kv.indexOf('=');
          String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
          String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
          if (k.equals("scope")) {
            scopes.addAll(List.of(v.split(" ")));
          } else {
            params.put(k, v);
          }
        }
      }
      boolean ok;
      String grant = params.getOrDefault("grant_type", "");
      if (x.getRequestMethod().equals("POST")) {
        ok =
            switch (grant) {
              case "password" ->
                  user.equals(params.get("username")) && password.equals(params.get("password"));
              case "refresh_token" -> refreshToken.equals(params.get("refresh_token"));
              default -> false;
            };
      } else {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String expected =
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        ok = expected.equals(auth);
      }
      requests.add(x.getRequestMethod() + " " + grant + (ok ? " ok" : " denied"));
      if (!ok) {
        x.sendResponseHeaders(401, -1);
        return;
      }
      String token = jwt(scopes);
      byte[] out =
          ("{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300}")
              .getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(200, out.length);
      x.getResponseBody().write(out);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private String jwt(List<String> scopes) throws Exception {
    ObjectNode header = OciLayout.JSON.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "ES256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(cert.getEncoded()));
    ObjectNode claims = OciLayout.JSON.createObjectNode();
    long now = Instant.now().getEpochSecond();
    claims.put("iss", ISSUER);
    claims.put("sub", user);
    claims.put("aud", SERVICE);
    claims.put("exp", now + 300);
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      String[] parts = scope.split(":");
      if (parts.length != 3) {
        continue;
      }
      ObjectNode a = access.addObject();
      a.put("type", parts[0]);
      a.put("name", parts[1]);
      ArrayNode actions = a.putArray("actions");
      for (String action : parts[2].split(",")) {
        actions.add(action);
      }
    }
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        url.encodeToString(OciLayout.bytes(header))
            + "."
            + url.encodeToString(OciLayout.bytes(claims));
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(key);
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(s.sign());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
