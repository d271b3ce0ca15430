package dev.transferd.plugin.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.daemon.WebDaemon;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's API over HTTP: uploads with the page's rules (CSRF, size cap, untagged archives,
 * hostile entries, compression), tag, delete and export, and the security headers of every page.
 */
class ConsoleApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  @TempDir Path dir;
  private WebDaemon web;

  @AfterEach
  void stop() {
    if (web != null) {
      web.close();
    }
  }

  private String csrf() throws Exception {
    return JSON.readTree(Http.get(web.base + "/api/session").body()).path("csrf").asText();
  }

  private HttpResponse<String> post(String path, byte[] body, String csrf) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(web.base + path))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> upload(Path archive, String name) throws Exception {
    String q = "/api/upload?file=" + archive.getFileName();
    if (name != null) {
      q += "&name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }
    return post(q, Files.readAllBytes(archive), csrf());
  }

  private static String error(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("error").asText();
  }

  @Test
  void pagesCarryAStrictContentSecurityPolicy() throws Exception {
    web = WebDaemon.start(dir, "");
    for (String path : List.of("/", "/assets/app.js", "/api/images")) {
      HttpResponse<byte[]> r = Http.get(web.base + path);
      assertEquals(200, r.statusCode(), path);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), csp);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    }
    String page = Http.text(Http.get(web.base + "/"));
    assertTrue(!page.contains("http://") && !page.contains("https://"), "no external resources");
    assertTrue(!page.contains("<script>"), "no inline script");
  }

  @Test
  void aPostWithoutTheCsrfTokenChangesNothing() throws Exception {
    web = WebDaemon.start(dir, "");
    Path archive = TestArchives.dockerArchive(dir, 21, "localhost/app:v1", 500);
    for (String token : new String[] {null, "forged"}) {
      HttpResponse<String> r = post("/api/upload?file=a.tar", Files.readAllBytes(archive), token);
      assertEquals(403, r.statusCode(), r.body());
    }
    web.importArchive(archive, TestArchives.AS_NAMED);
    assertEquals(403, post("/api/delete?name=localhost/app:v1", new byte[0], null).statusCode());
    assertEquals(
        403, post("/api/tag?source=localhost/app:v1&target=x:y", new byte[0], "x").statusCode());
    assertEquals(List.of("localhost/app:v1"), web.imageNames());
  }

  @Test
  void anUploadedArchiveIsStoredUnderItsTag() throws Exception {
    web = WebDaemon.start(dir, "");
    Path archive = TestArchives.dockerArchive(dir, 22, "localhost/app:v1", 5000, 3000);
    HttpResponse<String> r = upload(archive, null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("localhost/app:v1", JSON.readTree(r.body()).path("names").path(0).asText());
    assertEquals(List.of("localhost/app:v1"), web.imageNames());
    JsonNode list = JSON.readTree(Http.get(web.base + "/api/images").body());
    JsonNode row = list.path("images").path(0);
    assertEquals(web.targetDigest("localhost/app:v1"), row.path("digest").asText());
    assertEquals("linux/amd64", row.path("platforms").path(0).asText());
    assertTrue(row.path("size").asLong() > 8000, row.toString());
  }

  @Test
  void compressedArchivesAreAccepted() throws Exception {
    web = WebDaemon.start(dir, "");
    Path archive = TestArchives.dockerArchive(dir, 23, "localhost/gz:v1", 1000);
    Path gz = dir.resolve("gz.tar.gz");
    Files.write(gz, TestArchives.gzip(Files.readAllBytes(archive)));
    assertEquals(200, upload(gz, null).statusCode());
    Path zst = dir.resolve("z.tar.zst");
    Files.write(
        zst,
        com.github.luben.zstd.Zstd.compress(
            Files.readAllBytes(TestArchives.dockerArchive(dir, 24, "localhost/zst:v1", 1000))));
    assertEquals(200, upload(zst, null).statusCode());
    assertEquals(List.of("localhost/gz:v1", "localhost/zst:v1"), web.imageNames());
  }

  @Test
  void anUntaggedArchiveIsRefusedUntilANameIsTyped() throws Exception {
    web = WebDaemon.start(dir, "");
    Path archive = TestArchives.dockerArchive(dir, 25, null, 1000);
    HttpResponse<String> refused = upload(archive, null);
    assertEquals(422, refused.statusCode());
    assertEquals(
        archive.getFileName()
            + " has no repository:tag for its image (it was saved by image ID): type a name such"
            + " as localhost/app:v1 and upload it again, or re-save it with docker save NAME:TAG"
            + " -o "
            + archive.getFileName()
            + ".",
        error(refused));
    assertEquals(List.of(), web.imageNames());
    HttpResponse<String> named = upload(archive, "localhost/typed:v2");
    assertEquals(200, named.statusCode(), named.body());
    assertEquals(List.of("localhost/typed:v2"), web.imageNames());
    assertEquals(200, Http.get(web.base + "/v2/localhost/typed/manifests/v2").statusCode());
  }

  /** A docker save whose layer tar is replaced by {@code hostile}: what an attacker would send. */
  private Path withExtraEntry(Path archive, TarArchiveEntry extra) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(archive));
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        tar.putArchiveEntry(e);
        in.transferTo(tar);
        tar.closeArchiveEntry();
      }
      tar.putArchiveEntry(extra);
      tar.closeArchiveEntry();
    }
    Path hostile = dir.resolve("hostile.tar");
    Files.write(hostile, out.toByteArray());
    return hostile;
  }

  @Test
  void hostileArchivesAreRefusedWithASentenceAndStoreNothing() throws Exception {
    web = WebDaemon.start(dir, "");
    Path good = TestArchives.dockerArchive(dir, 26, "localhost/app:v1", 1000);
    TarArchiveEntry device = new TarArchiveEntry("dev-null", TarArchiveEntry.LF_CHR);
    HttpResponse<String> r = upload(withExtraEntry(good, device), null);
    assertEquals(422, r.statusCode());
    assertEquals(
        "hostile.tar was refused (dev-null: device file not allowed in an image archive); an"
            + " image archive may hold only regular files, directories and symlinks, so re-create"
            + " it with docker save or skopeo copy.",
        error(r));
    assertEquals(List.of(), web.imageNames());
  }

  @Test
  void anOversizedUploadIsCutOffAndStoresNothing() throws Exception {
    web = WebDaemon.start(dir, "max_upload_size = 20000");
    Path big = TestArchives.dockerArchive(dir, 27, "localhost/big:v1", 60_000);
    HttpResponse<String> declared = upload(big, null);
    assertEquals(413, declared.statusCode());
    assertTrue(error(declared).contains("larger than this server's upload limit of 20000 bytes"));
    // a body without a declared length is cut off while it streams
    HttpRequest chunked =
        HttpRequest.newBuilder(URI.create(web.base + "/api/upload?file=big.tar"))
            .header("X-CSRF-Token", csrf())
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream(readUnchecked(big))))
            .build();
    HttpResponse<String> streamed = CLIENT.send(chunked, HttpResponse.BodyHandlers.ofString());
    assertEquals(413, streamed.statusCode(), streamed.body());
    assertEquals(List.of(), web.imageNames());
  }

  private static byte[] readUnchecked(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void tagDeleteAndExport() throws Exception {
    web = WebDaemon.start(dir, "");
    web.importArchive(
        TestArchives.dockerArchive(dir, 28, "localhost/app:v1", 1000), TestArchives.AS_NAMED);
    HttpResponse<String> tagged =
        post("/api/tag?source=localhost/app:v1&target=localhost/app:stable", new byte[0], csrf());
    assertEquals(200, tagged.statusCode(), tagged.body());
    assertEquals(List.of("localhost/app:stable", "localhost/app:v1"), web.imageNames());
    assertEquals(web.targetDigest("localhost/app:v1"), web.targetDigest("localhost/app:stable"));

    HttpResponse<byte[]> docker =
        Http.get(web.base + "/api/export?name=localhost/app:v1&format=docker");
    assertEquals(200, docker.statusCode());
    assertTrue(entries(docker.body()).contains("manifest.json"), entries(docker.body()).toString());
    HttpResponse<byte[]> oci = Http.get(web.base + "/api/export?name=localhost/app:v1&format=oci");
    assertTrue(entries(oci.body()).contains("index.json"));
    assertTrue(!entries(oci.body()).contains("manifest.json"));

    HttpResponse<String> deleted = post("/api/delete?name=localhost/app:v1", new byte[0], csrf());
    assertEquals(200, deleted.statusCode());
    assertEquals(List.of("localhost/app:stable"), web.imageNames());
    assertEquals(404, post("/api/delete?name=localhost/app:v1", new byte[0], csrf()).statusCode());
  }

  private static List<String> entries(byte[] tar) throws Exception {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        names.add(e.getName());
      }
    }
    return names;
  }

  @Test
  void typedCredentialsReachTheOneTransferAndAreNeverEchoed() throws Exception {
    web = WebDaemon.start(dir, "");
    Path sourceDir = dir.resolve("source");
    Files.createDirectories(sourceDir);
    String hash =
        at.favre.lib.crypto.bcrypt.BCrypt.withDefaults().hashToString(4, "pa55word".toCharArray());
    Path htpasswd = Files.writeString(sourceDir.resolve("htpasswd"), "bob:" + hash + "\n");
    try (WebDaemon source = WebDaemon.start(sourceDir, "htpasswd = \"" + htpasswd + "\"")) {
      source.importArchive(
          TestArchives.dockerArchive(dir, 29, "localhost/app:v1", 1000), TestArchives.AS_NAMED);
      String ref = source.hostPort() + "/localhost/app:v1";
      String wrong =
          "{\"ref\":\""
              + ref
              + "\",\"plainHttp\":true,\"username\":\"bob\",\"password\":\"guess-me\"}";
      HttpResponse<String> refused =
          post("/api/pull", wrong.getBytes(StandardCharsets.UTF_8), csrf());
      assertEquals(502, refused.statusCode(), refused.body());
      assertTrue(!refused.body().contains("guess-me"), refused.body());
      assertTrue(!Http.text(Http.get(web.base + "/api/operations")).contains("guess-me"));
      String right = wrong.replace("guess-me", "pa55word");
      HttpResponse<String> pulled =
          post("/api/pull", right.getBytes(StandardCharsets.UTF_8), csrf());
      assertEquals(200, pulled.statusCode(), pulled.body());
      assertTrue(!pulled.body().contains("pa55word"));
      assertEquals(source.targetDigest("localhost/app:v1"), web.targetDigest(ref));
    }
  }

  @Test
  void anUploadCanGoStraightIntoARegistryAndNamesNothingHere() throws Exception {
    web = WebDaemon.start(dir, "");
    try (dev.transferd.plugin.registry.TestRegistry registry =
        dev.transferd.plugin.registry.TestRegistry.plain(dir.resolve("registry"))) {
      Path archive = TestArchives.dockerArchive(dir, 30, "localhost/app:v1", 4000, 2000);
      String ref = registry.host() + "/team/app:v1";
      HttpResponse<String> r =
          post(
              "/api/upload?file=app.tar&plainHttp=1&registry="
                  + URLEncoder.encode(ref, StandardCharsets.UTF_8),
              Files.readAllBytes(archive),
              csrf());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(List.of(), web.imageNames());
      // the registry serves what a local import of the same archive would store
      byte[] pushed =
          dev.transferd.plugin.registry.Skopeo.run(
              "inspect", "--raw", "--tls-verify=false", "docker://" + ref);
      web.importArchive(archive, TestArchives.AS_NAMED);
      assertEquals(web.targetDigest("localhost/app:v1"), TestArchives.sha256(pushed));
    }
  }

  @Test
  void theImagesListFiltersSortsAndPagesPastAFewHundred() throws Exception {
    web = WebDaemon.start(dir, "");
    web.importArchive(
        TestArchives.dockerArchive(dir, 40, "localhost/app:v000", 500), TestArchives.AS_NAMED);
    for (int i = 1; i < 260; i++) {
      String target = String.format("localhost/%s:v%03d", i % 2 == 0 ? "app" : "other", i);
      assertEquals(
          200,
          post("/api/tag?source=localhost/app:v000&target=" + target, new byte[0], csrf())
              .statusCode());
    }
    JsonNode page = JSON.readTree(Http.get(web.base + "/api/images?per=100&page=3").body());
    assertEquals(260, page.path("total").asInt());
    assertEquals(3, page.path("pages").asInt());
    assertEquals(60, page.path("images").size());
    JsonNode filtered =
        JSON.readTree(Http.get(web.base + "/api/images?filter=OTHER&sort=-name&per=500").body());
    assertEquals(130, filtered.path("total").asInt());
    assertEquals("localhost/other:v259", filtered.path("images").path(0).path("name").asText());
  }

  @Test
  void aPre110SaveWithSymlinkedLayersIsAcceptedAndServed() throws Exception {
    web = WebDaemon.start(dir, "");
    byte[] base = TestArchives.tar("base.txt", "base\n".getBytes(StandardCharsets.UTF_8));
    byte[] top = TestArchives.tar("top.txt", "top\n".getBytes(StandardCharsets.UTF_8));
    String baseId = "a".repeat(64);
    String topId = "b".repeat(64);
    String otherId = "c".repeat(64);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      file(
          tar,
          "repositories",
          ("{\"localhost/old\":{\"v1\":\"" + topId + "\",\"v2\":\"" + otherId + "\"}}")
              .getBytes(StandardCharsets.UTF_8));
      file(
          tar,
          baseId + "/json",
          ("{\"id\":\"" + baseId + "\",\"architecture\":\"amd64\",\"os\":\"linux\"}")
              .getBytes(StandardCharsets.UTF_8));
      file(tar, baseId + "/layer.tar", base);
      file(
          tar,
          topId + "/json",
          ("{\"id\":\""
                  + topId
                  + "\",\"parent\":\""
                  + baseId
                  + "\",\"architecture\":\"amd64\",\"os\":\"linux\"}")
              .getBytes(StandardCharsets.UTF_8));
      file(tar, topId + "/layer.tar", top);
      file(
          tar,
          otherId + "/json",
          ("{\"id\":\""
                  + otherId
                  + "\",\"parent\":\""
                  + baseId
                  + "\",\"architecture\":\"amd64\",\"os\":\"linux\"}")
              .getBytes(StandardCharsets.UTF_8));
      TarArchiveEntry link =
          new TarArchiveEntry(otherId + "/layer.tar", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("../" + topId + "/layer.tar");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    Path legacy = dir.resolve("legacy.tar");
    Files.write(legacy, out.toByteArray());
    HttpResponse<String> r = upload(legacy, null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("localhost/old:v1", "localhost/old:v2"), web.imageNames());
    JsonNode v1 = JSON.readTree(Http.get(web.base + "/v2/localhost/old/manifests/v1").body());
    JsonNode v2 = JSON.readTree(Http.get(web.base + "/v2/localhost/old/manifests/v2").body());
    // the symlinked layer is the same blob, stored once
    assertEquals(v1.path("layers").get(1).path("digest"), v2.path("layers").get(1).path("digest"));
    assertEquals(TestArchives.sha256(top), v1.path("layers").get(1).path("digest").asText());
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content)
      throws java.io.IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
