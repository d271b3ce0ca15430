package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.transfer.StoreTransferFixture;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives made and read by the real tools: skopeo 1.9 (docker-archive and oci-archive from OCI
 * layouts the test writes; inspect of our exports) and containerd 1.6's {@code ctr images
 * import/export} against a containerd the test starts. Needs the Debian packages skopeo and
 * containerd, and root for containerd.
 */
class RealPeersArchiveTest {
  private static final String NS = "default";
  @TempDir static Path shared;
  private static Containerd containerd;

  @TempDir Path dir;
  private StoreTransferFixture transferd;
  private EmbeddedStore store;
  private TransferClient client;

  @BeforeAll
  static void startContainerd() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "containerd needs root to start");
    containerd = Containerd.start(Files.createDirectories(shared.resolve("containerd")));
  }

  @AfterAll
  static void stopContainerd() throws Exception {
    if (containerd != null) {
      containerd.close();
    }
  }

  @BeforeEach
  void start() throws Exception {
    transferd =
        StoreTransferFixture.start(
            dir.resolve("store"), EmbeddedStoreOptions.defaults().withGcInterval(Duration.ZERO));
    store = transferd.store;
    client = transferd.client;
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  private void importFile(Path archive) throws IOException {
    try (InputStream in = Files.newInputStream(archive)) {
      client.transfer(
          ImportArchive.from(in),
          StoredImage.named("")
              .withExtraReference(new ImageReference("import-test", true, true, false, false)));
    }
  }

  private Path exportFile(String name, Path out, Platform... platforms) throws IOException {
    try (OutputStream o = Files.newOutputStream(out)) {
      ExportArchive export = ExportArchive.to(o);
      client.transfer(
          StoredImage.named(name),
          platforms.length == 0 ? export : export.withPlatforms(platforms));
    }
    return out;
  }

  private static String skopeo(String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(List.of("/usr/bin/skopeo", "--insecure-policy"));
    command.addAll(List.of(args));
    return Containerd.run(command);
  }

  private JsonNode storedJson(String digest) throws IOException {
    try (InputStream in = store.content().read(NS, digest, 0)) {
      return ArchiveJson.parse(in.readAllBytes(), digest);
    }
  }

  private static TestImages.Image fixtureImage(String seed) {
    return TestImages.image(seed, "amd64", "", 3, true, true);
  }

  @Test
  void skopeoDockerArchiveImportsWithItsRepoTagAndOurConfig() throws Exception {
    TestImages.Image image = fixtureImage("skopeo-docker");
    Path layout = new TestImages.Layout().add(image, "v1", null).writeDir(dir.resolve("layout"));
    Path archive = dir.resolve("docker.tar");
    skopeo("copy", "oci:" + layout + ":v1", "docker-archive:" + archive + ":example.com/sko:v1");
    importFile(archive);

    Image stored = store.images().get(NS, "example.com/sko:v1").orElseThrow();
    JsonNode manifest = storedJson(stored.target().getDigest());
    assertEquals(image.config().digest(), manifest.path("config").path("digest").asText());
    assertEquals(3, manifest.path("layers").size());
  }

  @Test
  void skopeoOciArchiveImportsWithTheManifestDigestUnchanged() throws Exception {
    TestImages.Image image = fixtureImage("skopeo-oci");
    Path layout = new TestImages.Layout().add(image, "v1", null).writeDir(dir.resolve("layout"));
    Path archive = dir.resolve("oci.tar");
    skopeo("copy", "oci:" + layout + ":v1", "oci-archive:" + archive + ":v1");
    importFile(archive);
    assertEquals(
        image.manifest().digest(),
        store.images().get(NS, "import-test:v1").orElseThrow().target().getDigest());
  }

  @Test
  void skopeoReadsOurExportAsBothOciAndDockerArchive() throws Exception {
    TestImages.Image image = fixtureImage("export-skopeo");
    TarWriter t = new TarWriter();
    new TestImages.Layout().add(image, "v3", "example.com/exp:v3").writeTo(t, "");
    Path in = Files.write(dir.resolve("in.tar"), t.finish());
    importFile(in);
    Path out = exportFile("example.com/exp:v3", dir.resolve("out.tar"));

    String raw = skopeo("inspect", "--raw", "oci-archive:" + out + ":v3");
    assertEquals(
        image.manifest().digest(),
        Digests.of(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    // docker-archive:<file>:<ref> finds the image by manifest.json's RepoTags
    String config =
        skopeo("inspect", "--config", "--raw", "docker-archive:" + out + ":example.com/exp:v3");
    assertEquals(image.config().digest(), Digests.of(TestImages.utf8(config)));
  }

  @Test
  void ctrImportsOurExport() throws Exception {
    TestImages.Image image = fixtureImage("to-ctr");
    importFile(
        Files.write(
            dir.resolve("in.tar"),
            new TestImages.Layout().add(image, "v1", "example.com/toctr:v1").tar("")));
    Path out = exportFile("example.com/toctr:v1", dir.resolve("out.tar"));
    containerd.ctr("images", "import", "--no-unpack", out.toString());
    String listed = containerd.ctr("images", "ls");
    assertTrue(listed.contains("example.com/toctr:v1"), listed);
    assertTrue(listed.contains(image.manifest().digest()), listed);
  }

  @Test
  void ctrExportOfAMultiPlatformImageImportsHere() throws Exception {
    TestImages.Image amd = TestImages.image("from-ctr", "amd64", "", 2, true, true);
    TestImages.Image arm = TestImages.image("from-ctr", "arm64", "v8", 2, true, true);
    TestImages.Layout layout = new TestImages.Layout().addIndex(List.of(amd, arm), "latest");
    Path fixture = Files.write(dir.resolve("multi.tar"), layout.tar(""));
    containerd.ctr(
        "images",
        "import",
        "--no-unpack",
        "--all-platforms",
        "--base-name",
        "example.com/multi",
        fixture.toString());
    Path exported = dir.resolve("ctr-export.tar");
    containerd.ctr(
        "images",
        "export",
        "--platform",
        "linux/amd64",
        exported.toString(),
        "example.com/multi:latest");
    importFile(exported);

    Image stored = store.images().get(NS, "example.com/multi:latest").orElseThrow();
    String index =
        layout.blobs.values().stream()
            .filter(b -> b.mediaType().equals(MediaTypes.OCI_INDEX))
            .findFirst()
            .orElseThrow()
            .digest();
    assertEquals(index, stored.target().getDigest());
    assertTrue(store.content().info(NS, amd.layers().get(1).digest()).isPresent());
    assertTrue(
        store.content().info(NS, arm.manifest().digest()).isEmpty(), "ctr exported amd64 only");

    Path again =
        exportFile(
            "example.com/multi:latest", dir.resolve("again.tar"), Platform.parse("linux/amd64"));
    containerd.ctr("images", "rm", "example.com/multi:latest");
    containerd.ctr("images", "import", "--no-unpack", again.toString());
    assertTrue(containerd.ctr("images", "ls").contains(index));
  }
}
