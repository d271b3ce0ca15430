package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.unpack.LayerTar;
import dev.transferd.plugin.unpack.TestImage;
import dev.transferd.plugin.unpack.TestLayers;
import dev.transferd.plugin.unpack.TreeListing;
import dev.transferd.plugin.unpack.Umoci;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.RepackDirectory;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.streams.client.UnpackDirectory;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpack, change, repack through the Transfer service, then check the new image with real peers:
 * umoci unpacks it into the same tree as the changed directory, from its exported archive and after
 * a push to docker-registry and a skopeo copy back; skopeo reads the archive's config.
 */
class RepackTransferTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "localhost/app:1";
  private static final String NEW = "localhost/app:2";

  @TempDir Path tmp;
  private StoreTransferFixture fixture;

  @BeforeEach
  void start() throws IOException {
    fixture = StoreTransferFixture.start(tmp.resolve("store"), EmbeddedStoreOptions.defaults());
    new TestImage(
            new TestLayers()
                .add(
                    new LayerTar()
                        .dir("bin", 0755)
                        .file("bin/tool", 04755, "tool")
                        .hardlink("bin/tool-link", "bin/tool")
                        .dir("etc", 0755)
                        .file("etc/motd", 0644, "hello")
                        .file("etc/gone", 0644, "to be deleted")
                        .dir("opt", 0755)
                        .dir("opt/app", 0755)
                        .file("opt/app/data", 0644, "data")
                        .symlink("etc/motd-link", "motd"))
                .add(new LayerTar().file("etc/motd", 0644, "hello again")))
        .storeIn(fixture.store, "default", BASE);
  }

  @AfterEach
  void stop() throws IOException {
    fixture.close();
  }

  @Test
  void changesBecomeOneLayerThatUmociUnpacksIntoTheChangedTreeExportedOrPushed() throws Exception {
    RealPeers.requireRoot("the trees hold setuid files and owners other than the user");
    Umoci.require();
    RealPeers.requireExecutable("/usr/bin/skopeo", "skopeo");
    RealPeers.requireExecutable("/usr/bin/docker-registry", "docker-registry");
    Path dir = tmp.resolve("rootfs");
    fixture.client.transfer(StoredImage.named(BASE), UnpackDirectory.at(dir.toString()));
    Files.writeString(dir.resolve("etc/motd"), "changed");
    Files.delete(dir.resolve("etc/gone"));
    deleteTree(dir.resolve("opt/app"));
    Files.createDirectories(dir.resolve("srv/www"));
    Files.writeString(dir.resolve("srv/www/index.html"), "<p>new</p>");
    Files.createSymbolicLink(dir.resolve("srv/current"), Path.of("www"));
    Files.setPosixFilePermissions(
        dir.resolve("bin/tool"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(dir.resolve("etc/motd"), "unix:uid", 1000);
    Files.setLastModifiedTime(
        dir.resolve("etc/motd"), FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
    TreeListing.setXattr(
        dir.resolve("bin/tool"),
        "security.capability",
        new byte[] {1, 0, 0, 2, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    Files.writeString(dir.resolve("srv/www/" + "long-name-".repeat(12) + "é.html"), "long");
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();

    fixture.client.transfer(
        RepackDirectory.of(dir.toString(), BASE),
        StoredImage.named(NEW),
        TransferOptions.withProgress(events::add));

    assertEquals("Repacking", events.getFirst().event());
    assertEquals("Completed repack", events.getLast().event());
    Path archive = tmp.resolve("app2.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      fixture.client.transfer(StoredImage.named(NEW), ExportArchive.to(out));
    }
    Path layout = Files.createDirectories(tmp.resolve("layout"));
    Umoci.run("tar", "-C", layout.toString(), "-xf", archive.toString());
    Path theirs = Umoci.unpack(layout, "2", tmp.resolve("bundle"));
    assertEquals(
        String.join("\n", TreeListing.of(dir, true)),
        String.join("\n", TreeListing.of(theirs, true)));

    JsonNode inspected = JSON.readTree(Umoci.run("skopeo", "inspect", "oci-archive:" + archive));
    assertEquals(3, inspected.path("Layers").size(), inspected.toString());
    JsonNode config =
        JSON.readTree(Umoci.run("skopeo", "inspect", "--config", "oci-archive:" + archive));
    assertEquals(3, config.path("rootfs").path("diff_ids").size(), config.toString());
    assertEquals(
        RepackOperation.CREATED_BY, config.path("history").get(2).path("created_by").asText());

    try (TestRegistry registry = TestRegistry.plain(tmp.resolve("registry"))) {
      String ref = registry.host() + "/repacked/app:2";
      fixture.client.transfer(
          StoredImage.named(NEW), RegistryImage.of(ref).withDefaultScheme("http"));
      Path pulled = tmp.resolve("pulled");
      Umoci.run(
          "skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + pulled + ":2");
      Path fromRegistry = Umoci.unpack(pulled, "2", tmp.resolve("bundle-pulled"));
      assertEquals(
          String.join("\n", TreeListing.of(dir, true)),
          String.join("\n", TreeListing.of(fromRegistry, true)));
    }
  }

  @Test
  void anUnchangedTreeGivesAnEmptyLayer() throws Exception {
    Path dir = tmp.resolve("rootfs");
    fixture.client.transfer(StoredImage.named(BASE), UnpackDirectory.at(dir.toString()));

    fixture.client.transfer(RepackDirectory.of(dir.toString(), BASE), StoredImage.named(NEW));

    var image = fixture.store.images().get("default", NEW).orElseThrow();
    JsonNode manifest =
        JSON.readTree(
            fixture.store.content().read("default", image.target().getDigest(), 0).readAllBytes());
    JsonNode top = manifest.path("layers").get(2);
    try (var in =
        new java.util.zip.GZIPInputStream(
            fixture.store.content().read("default", top.path("digest").asText(), 0))) {
      byte[] tar = in.readAllBytes();
      assertTrue(tar.length <= 10240, "only the end-of-archive blocks: " + tar.length);
      for (byte b : tar) {
        assertEquals(0, b);
      }
    }
  }

  @Test
  void aMissingBaseIsNotFound() {
    TtrpcException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            TtrpcException.class,
            () ->
                fixture.client.transfer(
                    RepackDirectory.of(tmp.toString(), "localhost/none:1"),
                    StoredImage.named(NEW)));
    assertEquals(StatusCode.NOT_FOUND, e.status().code());
    assertEquals("repack: base image \"localhost/none:1\": not found", e.status().message());
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
