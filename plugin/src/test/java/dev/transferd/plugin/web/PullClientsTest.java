package dev.transferd.plugin.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.archive.Containerd;
import dev.transferd.plugin.daemon.WebDaemon;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.testing.RealPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real pull clients against the endpoint: containerd 1.6's {@code ctr images pull --plain-http},
 * containerd resolving through transferd as a hosts.toml mirror, and transferd's own client pulling
 * from another transferd. Each ends with the image under the digest it was imported with.
 */
class PullClientsTest {
  @TempDir static Path dir;
  private static WebDaemon web;

  @BeforeAll
  static void start() throws Exception {
    web = WebDaemon.start(dir, "");
    Path archive = TestArchives.dockerArchive(dir, 11, "localhost/app:v1", 5000, 40_000);
    web.importArchive(archive, TestArchives.AS_NAMED);
    web.importArchive(archive, StoredImage.named("docker.io/library/mirror:1.0"));
  }

  @AfterAll
  static void stop() {
    web.close();
  }

  private static void requireContainerd() {
    RealPeers.requireRoot("containerd needs root");
    RealPeers.requireExecutable("/usr/bin/containerd", "containerd");
  }

  @Test
  void ctrPullsOverPlainHttp() throws Exception {
    requireContainerd();
    try (Containerd containerd = Containerd.start(dir.resolve("ctr-plain"))) {
      String ref = web.hostPort() + "/localhost/app:v1";
      containerd.ctr("images", "pull", "--plain-http", ref);
      String listed = containerd.ctr("images", "ls");
      assertTrue(listed.contains(web.targetDigest("localhost/app:v1")), listed);
    }
  }

  @Test
  void containerdUsesTransferdAsAMirror() throws Exception {
    requireContainerd();
    Path hosts = dir.resolve("certs.d/docker.io");
    Files.createDirectories(hosts);
    Files.writeString(
        hosts.resolve("hosts.toml"),
        """
        server = "https://registry-1.docker.io"
        [host."http://%s"]
          capabilities = ["pull", "resolve"]
        """
            .formatted(web.hostPort()));
    try (Containerd containerd = Containerd.start(dir.resolve("ctr-mirror"))) {
      containerd.ctr(
          "images",
          "pull",
          "--hosts-dir",
          dir.resolve("certs.d").toString(),
          "docker.io/library/mirror:1.0");
      String listed = containerd.ctr("images", "ls");
      assertTrue(listed.contains("docker.io/library/mirror:1.0"), listed);
      assertTrue(listed.contains(web.targetDigest("docker.io/library/mirror:1.0")), listed);
    }
  }

  @Test
  void transferdPullsFromTransferd() throws Exception {
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    try (WebDaemon puller = WebDaemon.start(other, "");
        TtrpcClient ttrpc = TtrpcClient.connect(puller.daemon.address())) {
      String ref = web.hostPort() + "/localhost/app:v1";
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(RegistryImage.of(ref).withDefaultScheme("http"), StoredImage.named(ref));
      assertEquals(web.targetDigest("localhost/app:v1"), puller.targetDigest(ref));
    }
  }
}
