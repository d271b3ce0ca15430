package dev.transferd.plugin.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.daemon.WebDaemon;
import dev.transferd.plugin.registry.Skopeo;
import dev.transferd.streams.client.StoredImage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-only distribution endpoint: real skopeo copies from it, and every request shape of the
 * spec's read side answers as the spec says, with its error codes.
 */
class PullEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  @TempDir static Path dir;
  private static WebDaemon web;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    web = WebDaemon.start(dir, "");
    base = web.base;
    Path single = TestArchives.dockerArchive(dir, 1, "localhost/app:v1", 3000, 70_000);
    web.importArchive(single, TestArchives.AS_NAMED);
    web.importArchive(single, StoredImage.named("localhost/app:v2"));
    web.importArchive(single, StoredImage.named("localhost/app:v3"));
    web.importArchive(single, StoredImage.named("docker.io/library/mirror:1.0"));
    web.importArchive(
        TestArchives.ociArchive(dir, 2, "v1"), TestArchives.underPrefix("localhost/multi"));
  }

  @AfterAll
  static void stop() {
    web.close();
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static void assertError(HttpResponse<byte[]> r, int status, String code)
      throws Exception {
    assertEquals(status, r.statusCode(), Http.text(r));
    assertEquals(code, json(r).path("errors").path(0).path("code").asText(), Http.text(r));
  }

  private static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void baseAnswersWithTheApiVersion() throws Exception {
    HttpResponse<byte[]> r = Http.get(base + "/v2/");
    assertEquals(200, r.statusCode());
    assertEquals("registry/2.0", r.headers().firstValue("Docker-Distribution-API-Version").get());
  }

  @Test
  void skopeoCopiesTheImageWithItsDigests() throws Exception {
    String ref = web.hostPort() + "/localhost/app:v1";
    byte[] raw = Skopeo.run("inspect", "--raw", "--tls-verify=false", "docker://" + ref);
    assertEquals(web.targetDigest("localhost/app:v1"), sha256(raw));
    Path out = dir.resolve("copied");
    Skopeo.run("copy", "--src-tls-verify=false", "docker://" + ref, "dir:" + out);
    // skopeo rewrites the manifest it writes to dir:, but the config and layers come over as they
    // are
    JsonNode served = JSON.readTree(raw);
    String config = served.path("config").path("digest").asText();
    assertArrayEquals(
        Http.get(base + "/v2/localhost/app/blobs/" + config).body(),
        Files.readAllBytes(out.resolve(config.substring(7))));
    for (JsonNode layer : served.path("layers")) {
      String digest = layer.path("digest").asText();
      assertEquals(digest, sha256(Files.readAllBytes(out.resolve(digest.substring(7)))));
    }
  }

  @Test
  void skopeoCopiesEveryPlatformOfAnIndex() throws Exception {
    String ref = web.hostPort() + "/localhost/multi:v1";
    Path out = dir.resolve("copied-multi");
    Skopeo.run("copy", "--all", "--src-tls-verify=false", "docker://" + ref, "oci:" + out + ":v1");
    JsonNode index = JSON.readTree(Files.readAllBytes(out.resolve("index.json")));
    String root = index.path("manifests").path(0).path("digest").asText();
    assertEquals(web.targetDigest("localhost/multi:v1"), root);
    JsonNode copied =
        JSON.readTree(Files.readAllBytes(out.resolve("blobs/sha256/" + root.substring(7))));
    assertEquals(2, copied.path("manifests").size());
  }

  @Test
  void manifestByTagAndByDigestWithStoredTypeAndDigest() throws Exception {
    String digest = web.targetDigest("localhost/app:v1");
    HttpResponse<byte[]> byTag = Http.get(base + "/v2/localhost/app/manifests/v1");
    assertEquals(200, byTag.statusCode());
    assertEquals(DOCKER_MANIFEST, byTag.headers().firstValue("Content-Type").get());
    assertEquals(digest, byTag.headers().firstValue("Docker-Content-Digest").get());
    assertEquals(digest, sha256(byTag.body()));
    HttpResponse<byte[]> byDigest = Http.get(base + "/v2/localhost/app/manifests/" + digest);
    assertEquals(200, byDigest.statusCode());
    assertArrayEquals(byTag.body(), byDigest.body());
    assertEquals(DOCKER_MANIFEST, byDigest.headers().firstValue("Content-Type").get());
  }

  @Test
  void headOfAManifestHasItsLengthAndNoBody() throws Exception {
    HttpResponse<byte[]> get = Http.get(base + "/v2/localhost/app/manifests/v1");
    HttpResponse<byte[]> head = Http.send("HEAD", base + "/v2/localhost/app/manifests/v1");
    assertEquals(200, head.statusCode());
    assertEquals(0, head.body().length);
    assertEquals(
        Integer.toString(get.body().length), head.headers().firstValue("Content-Length").get());
    assertEquals(
        get.headers().firstValue("Docker-Content-Digest"),
        head.headers().firstValue("Docker-Content-Digest"));
  }

  @Test
  void anAcceptThatExcludesTheStoredTypeIsManifestUnknown() throws Exception {
    assertError(
        Http.get(
            base + "/v2/localhost/app/manifests/v1",
            "Accept",
            "application/vnd.oci.image.index.v1+json"),
        404,
        "MANIFEST_UNKNOWN");
    assertEquals(
        200,
        Http.get(
                base + "/v2/localhost/app/manifests/v1",
                "Accept",
                "application/vnd.oci.image.index.v1+json, " + DOCKER_MANIFEST)
            .statusCode());
  }

  private static JsonNode manifest() throws Exception {
    return json(Http.get(base + "/v2/localhost/app/manifests/v1"));
  }

  @Test
  void blobsServeWholeAndInRanges() throws Exception {
    JsonNode layer = manifest().path("layers").path(1);
    String digest = layer.path("digest").asText();
    long size = layer.path("size").asLong();
    String url = base + "/v2/localhost/app/blobs/" + digest;
    HttpResponse<byte[]> whole = Http.get(url);
    assertEquals(200, whole.statusCode());
    assertEquals(digest, sha256(whole.body()));
    assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").get());

    HttpResponse<byte[]> part = Http.get(url, "Range", "bytes=100-1099");
    assertEquals(206, part.statusCode());
    assertEquals("bytes 100-1099/" + size, part.headers().firstValue("Content-Range").get());
    assertArrayEquals(java.util.Arrays.copyOfRange(whole.body(), 100, 1100), part.body());

    // resume: the rest from an offset, then the two pieces make the blob
    HttpResponse<byte[]> rest = Http.get(url, "Range", "bytes=1100-");
    assertEquals(206, rest.statusCode());
    byte[] joined = new byte[(int) size];
    System.arraycopy(whole.body(), 0, joined, 0, 1100);
    System.arraycopy(rest.body(), 0, joined, 1100, rest.body().length);
    assertEquals(digest, sha256(joined));

    HttpResponse<byte[]> suffix = Http.get(url, "Range", "bytes=-10");
    assertArrayEquals(
        java.util.Arrays.copyOfRange(whole.body(), (int) size - 10, (int) size), suffix.body());

    HttpResponse<byte[]> beyond = Http.get(url, "Range", "bytes=" + size + "-");
    assertEquals(416, beyond.statusCode());
    assertEquals("bytes */" + size, beyond.headers().firstValue("Content-Range").get());

    HttpResponse<byte[]> head = Http.send("HEAD", url);
    assertEquals(200, head.statusCode());
    assertEquals(Long.toString(size), head.headers().firstValue("Content-Length").get());
    assertEquals(digest, head.headers().firstValue("Docker-Content-Digest").get());
    assertEquals(0, head.body().length);
  }

  @Test
  void tagsArePagedWithNAndLast() throws Exception {
    HttpResponse<byte[]> first = Http.get(base + "/v2/localhost/app/tags/list?n=2");
    assertEquals(200, first.statusCode());
    assertEquals("localhost/app", json(first).path("name").asText());
    assertEquals(List.of("v1", "v2"), strings(json(first).path("tags")));
    assertEquals(
        "</v2/localhost/app/tags/list?n=2&last=v2>; rel=\"next\"",
        first.headers().firstValue("Link").get());
    HttpResponse<byte[]> second = Http.get(base + "/v2/localhost/app/tags/list?n=2&last=v2");
    assertEquals(List.of("v3"), strings(json(second).path("tags")));
    assertTrue(second.headers().firstValue("Link").isEmpty());
    assertEquals(
        List.of("v1", "v2", "v3"),
        strings(json(Http.get(base + "/v2/localhost/app/tags/list")).path("tags")));
    assertError(
        Http.get(base + "/v2/localhost/app/tags/list?n=x"), 400, "PAGINATION_NUMBER_INVALID");
  }

  @Test
  void catalogListsRepositoriesPaged() throws Exception {
    assertEquals(
        List.of("docker.io/library/mirror", "localhost/app", "localhost/multi"),
        strings(json(Http.get(base + "/v2/_catalog")).path("repositories")));
    HttpResponse<byte[]> page = Http.get(base + "/v2/_catalog?n=1&last=docker.io/library/mirror");
    assertEquals(List.of("localhost/app"), strings(json(page).path("repositories")));
    assertTrue(page.headers().firstValue("Link").isPresent());
  }

  @Test
  void aMirrorRequestWithNsFindsTheSameImage() throws Exception {
    HttpResponse<byte[]> r = Http.get(base + "/v2/library/mirror/manifests/1.0?ns=docker.io");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals(
        web.targetDigest("docker.io/library/mirror:1.0"),
        r.headers().firstValue("Docker-Content-Digest").get());
    assertEquals(200, Http.get(base + "/v2/docker.io/library/mirror/manifests/1.0").statusCode());
    assertEquals(
        List.of("1.0"),
        strings(json(Http.get(base + "/v2/library/mirror/tags/list?ns=docker.io")).path("tags")));
  }

  @Test
  void unknownNamesAreSpecErrors() throws Exception {
    assertError(Http.get(base + "/v2/localhost/nothing/manifests/v1"), 404, "NAME_UNKNOWN");
    assertError(Http.get(base + "/v2/localhost/app/manifests/v9"), 404, "MANIFEST_UNKNOWN");
    assertError(
        Http.get(base + "/v2/localhost/app/manifests/sha256:" + "0".repeat(64)),
        404,
        "MANIFEST_UNKNOWN");
    assertError(
        Http.get(base + "/v2/localhost/app/blobs/sha256:" + "0".repeat(64)), 404, "BLOB_UNKNOWN");
    assertError(Http.get(base + "/v2/localhost/app/blobs/sha256:xyz"), 400, "DIGEST_INVALID");
    assertError(Http.get(base + "/v2/localhost/nothing/tags/list"), 404, "NAME_UNKNOWN");
    assertError(Http.get(base + "/v2/Upper/Case/tags/list"), 400, "NAME_INVALID");
  }

  @Test
  void pathTraversalInNamesAndDigestsNeverReachesAFile() throws Exception {
    List<String> attempts =
        List.of(
            "/v2/../../etc/passwd",
            "/v2/localhost/../app/manifests/v1",
            "/v2/localhost/%2e%2e/app/manifests/v1",
            "/v2/localhost%2Fapp/manifests/v1",
            "/v2/localhost/app/blobs/sha256:..%2F..%2F..%2Fetc%2Fpasswd",
            "/v2/localhost/app/blobs/..%2F..%2Fmetadata.db",
            "/v2/localhost/app/manifests/..%2F..%2Fv1",
            "/v2/localhost/app/blobs/sha256%3A" + "0".repeat(64));
    for (String path : attempts) {
      HttpResponse<byte[]> r = Http.get(base + path);
      assertTrue(
          r.statusCode() == 400 || r.statusCode() == 404,
          path + " answered " + r.statusCode() + ": " + Http.text(r));
      assertTrue(!Http.text(r).contains("root:"), path);
    }
  }

  @Test
  void everyWriteIsUnsupported() throws Exception {
    for (String[] write :
        new String[][] {
          {"PUT", "/v2/localhost/app/manifests/v4"},
          {"POST", "/v2/localhost/app/blobs/uploads/"},
          {"PATCH", "/v2/localhost/app/blobs/uploads/abc"},
          {"PUT", "/v2/localhost/app/blobs/uploads/abc?digest=sha256:" + "0".repeat(64)},
          {"DELETE", "/v2/localhost/app/manifests/v1"},
          {"DELETE", "/v2/localhost/app/blobs/sha256:" + "0".repeat(64)}
        }) {
      HttpResponse<byte[]> r = Http.send(write[0], base + write[1]);
      assertError(r, 405, "UNSUPPORTED");
    }
    assertEquals(200, Http.get(base + "/v2/localhost/app/manifests/v1").statusCode());
    assertNotEquals(
        "",
        new String(
            Http.get(base + "/v2/localhost/app/manifests/v1").body(), StandardCharsets.UTF_8));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
