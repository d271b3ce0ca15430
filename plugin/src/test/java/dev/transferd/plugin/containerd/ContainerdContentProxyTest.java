package dev.transferd.plugin.containerd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.archive.Containerd;
import dev.transferd.plugin.daemon.Daemon;
import dev.transferd.plugin.daemon.DaemonConfig;
import dev.transferd.plugin.daemon.DefaultLocations;
import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.store.ProxyNamespace;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.proto.content.v1.ListContentRequest;
import dev.transferd.proto.content.v1.ListContentResponse;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd 1.6 with transferd as its content proxy plugin, configured as the README says
 * ({@code [proxy_plugins.transferd] type = "content"}, built-in content plugin disabled): {@code
 * ctr} pulls, imports, exports and runs a busybox image with every blob in transferd's store and
 * none in containerd's own content directory; containerd's garbage collection never takes what
 * transferd's own images hold; containerd outlives a transferd restart and starts before transferd.
 */
class ContainerdContentProxyTest {
  private static final String IMAGE = "docker.io/transferd/busybox:1";

  @TempDir Path dir;
  private Path grpcSocket;
  private Daemon transferd;
  private Containerd containerd;
  private BusyboxImage image;

  @BeforeAll
  static void needsContainerdRuncBusyboxAndRoot() {
    RealPeers.requireRoot("containerd and runc");
    RealPeers.requireExecutable("/usr/bin/containerd", "containerd");
    RealPeers.requireExecutable("/usr/bin/ctr", "containerd");
    RealPeers.requireExecutable("/usr/sbin/runc", "runc");
    RealPeers.requireExecutable(BusyboxImage.BUSYBOX.toString(), "busybox-static");
  }

  @BeforeEach
  void images() throws IOException {
    grpcSocket = dir.resolve("run/transferd-content.sock");
    image = BusyboxImage.write(dir.resolve("image"), IMAGE);
  }

  @AfterEach
  void stop() throws Exception {
    if (containerd != null) {
      containerd.close();
    }
    if (transferd != null) {
      transferd.close();
    }
  }

  @Test
  void ctrImportsRunsAndExportsWithEveryBlobInTransferdsStore() throws Exception {
    startTransferd();
    startContainerd();
    containerd.ctr("images", "import", image.archive().toString());
    assertTrue(containerd.ctr("images", "ls", "-q").contains(IMAGE));
    assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", IMAGE, "run-1"));

    Path exported = dir.resolve("exported.tar");
    containerd.ctr("images", "export", exported.toString(), IMAGE);
    for (String digest : image.digests()) {
      assertArrayEquals(
          Files.readAllBytes(image.layout().resolve("blobs/sha256/" + BusyboxImage.hex(digest))),
          tarEntry(exported, "blobs/sha256/" + BusyboxImage.hex(digest)),
          digest);
    }
    assertEverythingInTransferdAndNothingInContainerd();
  }

  @Test
  void ctrPullsFromARegistryIntoTransferdsStoreAndRunsIt() throws Exception {
    RealPeers.requireExecutable("/usr/bin/docker-registry", "docker-registry");
    RealPeers.requireExecutable("/usr/bin/skopeo", "skopeo");
    startTransferd();
    startContainerd();
    try (TestRegistry registry = TestRegistry.plain(dir.resolve("registry"))) {
      String ref = registry.host() + "/transferd/busybox:1";
      Containerd.run(
          List.of(
              "skopeo",
              "--insecure-policy",
              "copy",
              "--dest-tls-verify=false",
              "oci:" + image.layout() + ":latest",
              "docker://" + ref));
      containerd.ctr("images", "pull", "--plain-http", ref);
      assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", ref, "run-2"));
    }
    assertEverythingInTransferdAndNothingInContainerd();
  }

  @Test
  void containerdPullsAnImageTransferdAlreadyHasWithoutDownloadingItsBlobs() throws Exception {
    RealPeers.requireExecutable("/usr/bin/docker-registry", "docker-registry");
    RealPeers.requireExecutable("/usr/bin/skopeo", "skopeo");
    startTransferd();
    startContainerd();
    try (TestRegistry registry = TestRegistry.plain(dir.resolve("registry"))) {
      String ref = registry.host() + "/transferd/busybox:1";
      Containerd.run(
          List.of(
              "skopeo",
              "--insecure-policy",
              "copy",
              "--dest-tls-verify=false",
              "oci:" + image.layout() + ":latest",
              "docker://" + ref));
      try (TtrpcClient ttrpc = TtrpcClient.connect(transferd.address())) {
        TransferClient.builder(ttrpc)
            .namespace("default")
            .build()
            .transfer(RegistryImage.of(ref).withDefaultScheme("http"), StoredImage.named(ref));
      }
      String blobGet = "GET /v2/transferd/busybox/blobs/" + image.layer();
      long before = countLines(registry.log(), blobGet);
      assertEquals(1, before, "transferd's own pull fetched the layer once");

      containerd.ctr("images", "pull", "--plain-http", ref);
      assertEquals(before, countLines(registry.log(), blobGet), "containerd fetched the layer");
      assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", ref, "run-6"));
    }
  }

  private static long countLines(Path log, String needle) throws IOException {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(needle)).count();
    }
  }

  @Test
  void containerdsGarbageCollectionNeverTakesWhatTransferdsOwnImagesHold() throws Exception {
    startTransferd();
    startContainerd();
    try (TtrpcClient ttrpc = TtrpcClient.connect(transferd.address());
        InputStream archive = Files.newInputStream(image.archive())) {
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(ImportArchive.from(archive), StoredImage.named("transferd/busybox:mine"));
    }
    // containerd gets the same blobs by sharing, not copying, and runs the image.
    containerd.ctr("images", "import", image.archive().toString());
    assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", IMAGE, "run-3"));
    // (containerd's importer may also have stored the archive's index.json, until its next GC)
    assertTrue(proxyBlobs().containsAll(image.digests()), proxyBlobs().toString());

    // Removing the image makes containerd's collector delete every blob from its view.
    containerd.ctr("images", "rm", "--sync", IMAGE);
    assertEquals(List.of(), proxyBlobs());

    // transferd's image still has every blob, bytes intact.
    try (TtrpcClient ttrpc = TtrpcClient.connect(transferd.address())) {
      CallOptions ns = CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default");
      for (String digest : image.digests()) {
        long size =
            ttrpc
                .call(ContentService.INFO, InfoRequest.newBuilder().setDigest(digest).build(), ns)
                .getInfo()
                .getSize();
        assertEquals(Files.size(blobFile(digest)), size, digest);
        assertEquals(digest, BusyboxImage.sha256(Files.readAllBytes(blobFile(digest))));
      }
    }
  }

  @Test
  void containerdCallsFailCleanlyWhileTransferdIsDownAndWorkAgainAfterItsRestart()
      throws Exception {
    startTransferd();
    startContainerd();
    containerd.ctr("images", "import", image.archive().toString());
    transferd.close();
    transferd = null;

    long failing = System.nanoTime();
    Result down = ctr("content", "get", image.layer());
    System.out.printf(
        "a read while transferd is down failed after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failing));
    assertNotEquals(0, down.exit(), down.output());
    assertTrue(down.output().contains(grpcSocket.toString()), down.output());
    System.out.printf("ctr while transferd is down: %s", down.output());
    assertTrue(containerd.ctr("images", "ls", "-q").contains(IMAGE), "containerd's records stay");

    startTransferd();
    long restarted = System.nanoTime();
    Result up = awaitSuccess(() -> ctr("content", "get", image.layer()));
    System.out.printf(
        "containerd reached the restarted transferd after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
    assertEquals(Files.size(blobFile(image.layer())), up.bytes().length);
    assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", IMAGE, "run-4"));
    assertEverythingInTransferdAndNothingInContainerd();
  }

  @Test
  void anImportStartedBeforeTransferdIsUpWaitsForItAndCompletes() throws Exception {
    long starting = System.nanoTime();
    startContainerd(); // waits until ctr version answers: containerd serves without its content
    System.out.printf(
        "containerd answered ctr version %d ms after its start, transferd not running%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting));
    Path log = dir.resolve("early-import.log");
    Process early =
        new ProcessBuilder(containerd.ctrCommand("images", "import", image.archive().toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      // containerd's writer calls fail UNAVAILABLE and ctr's writer retries them, as for a locked
      // ingest, so the import waits instead of failing.
      Path containerdLog = dir.resolve("containerd/containerd.log");
      awaitTrue(
          () ->
              Files.readString(containerdLog).contains("dial unix://" + grpcSocket)
                  && Files.readString(containerdLog).contains("unavailable"));
      assertTrue(early.isAlive(), Files.readString(log));

      startTransferd();
      long started = System.nanoTime();
      assertTrue(early.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
      System.out.printf(
          "an import waiting for transferd finished %d ms after transferd started%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      assertEquals(0, early.exitValue(), Files.readString(log));
    } finally {
      early.destroyForcibly();
    }
    assertEquals(BusyboxImage.GREETING + "\n", containerd.ctr("run", "--rm", IMAGE, "run-5"));
    assertEverythingInTransferdAndNothingInContainerd();
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(50);
    }
  }

  private void startTransferd() throws IOException {
    transferd =
        Daemon.start(
            new DaemonConfig.Builder()
                .root(dir.resolve("transferd"))
                .address(dir.resolve("run/transferd.sock"))
                .grpcAddress(grpcSocket)
                .build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock"))));
  }

  private void startContainerd() throws Exception {
    containerd = Containerd.startWithContentProxy(dir.resolve("containerd"), grpcSocket);
  }

  private void assertEverythingInTransferdAndNothingInContainerd() throws Exception {
    for (String digest : image.digests()) {
      assertTrue(Files.isRegularFile(blobFile(digest)), digest + " is not in transferd's store");
    }
    assertTrue(proxyBlobs().containsAll(image.digests()), proxyBlobs().toString());
    Path own = Containerd.contentDirectory(dir.resolve("containerd"));
    try (Stream<Path> files = Files.exists(own) ? Files.walk(own) : Stream.empty()) {
      assertEquals(List.of(), files.filter(Files::isRegularFile).toList());
    }
  }

  private Path blobFile(String digest) {
    return dir.resolve("transferd/content/blobs/sha256").resolve(BusyboxImage.hex(digest));
  }

  /** What containerd holds, as a ttrpc client may read it. */
  private List<String> proxyBlobs() throws Exception {
    List<String> digests = new ArrayList<>();
    try (TtrpcClient ttrpc = TtrpcClient.connect(transferd.address());
        ClientStream<ListContentRequest, ListContentResponse> list =
            ttrpc.openStream(
                ContentService.LIST,
                ListContentRequest.getDefaultInstance(),
                CallOptions.DEFAULT.withMetadata(
                    StreamingProtocol.NAMESPACE_KEY, ProxyNamespace.NAME))) {
      for (ListContentResponse r; (r = list.receive()) != null; ) {
        r.getInfoList().forEach(i -> digests.add(i.getDigest()));
      }
    }
    return digests;
  }

  private record Result(int exit, byte[] bytes) {
    String output() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private Result ctr(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(containerd.ctrCommand(args)).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("ctr " + String.join(" ", args) + " timed out");
    }
    return new Result(p.exitValue(), out);
  }

  @FunctionalInterface
  private interface Attempt {
    Result run() throws Exception;
  }

  /** Repeats {@code attempt} until it exits 0, for up to 30 s; fails with its last output. */
  private static Result awaitSuccess(Attempt attempt) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Result last;
    do {
      last = attempt.run();
      if (last.exit() == 0) {
        return last;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("still failing after 30 s: " + last.output());
  }

  private static byte[] tarEntry(Path tar, String name) throws IOException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.getName().equals(name)) {
          return in.readAllBytes();
        }
      }
    }
    throw new AssertionError(name + " is not in " + tar);
  }
}
