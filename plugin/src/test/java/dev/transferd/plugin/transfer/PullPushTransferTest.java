package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.FaultFront;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull into the embedded store and push back out, through the Transfer service. */
class PullPushTransferTest {
  @TempDir Path tmp;
  private StoreTransferFixture transferd;
  private TransferClient client;
  private EmbeddedStore store;
  private final List<TransferReport> reports = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    transferd =
        StoreTransferFixture.start(
            tmp.resolve("store"), EmbeddedStoreOptions.defaults(), reports::add);
    store = transferd.store;
    client = transferd.client;
  }

  @AfterEach
  void stop() throws Exception {
    transferd.close();
  }

  private List<ProgressEvent> transfer(
      dev.transferd.streams.client.TransferSource from,
      dev.transferd.streams.client.TransferDestination to)
      throws Exception {
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    client.transfer(from, to, TransferOptions.withProgress(events::add));
    return events;
  }

  @Test
  void pullStoresEveryBlobAndNamesTheImageThenPushCopiesItBack() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      List<ProgressEvent> events =
          transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));
      Optional<Image> image = store.images().get("default", "mine:1");
      assertTrue(image.isPresent());
      assertEquals(regs.image().root().digest(), image.get().target().getDigest());
      for (var b : RegistryFixtures.allBlobs(regs.image())) {
        var info = store.content().info("default", b.digest());
        assertTrue(info.isPresent(), b.digest());
        assertEquals(
            "app/multi",
            info.get().labels().get("containerd.io/distribution.source." + regs.source().host()));
      }
      assertEquals("Resolving from OCI Registry (" + regs.sourceRef() + ")", events.get(0).event());
      assertTrue(
          events.stream().anyMatch(e -> e.event().equals("saved") && e.name().equals("mine:1")));
      assertEquals(
          regs.blobCount() + regs.image().manifests().size() + 1,
          events.stream().filter(e -> e.event().equals("complete")).count());

      long everyByte =
          RegistryFixtures.allBlobs(regs.image()).stream().mapToLong(b -> b.size()).sum();
      assertEquals("pull", reports.getLast().operation());
      assertEquals(everyByte, reports.getLast().bytes(), "every blob and manifest, once");

      String target = regs.destination().host() + "/pushed/app:v3";
      List<ProgressEvent> pushed = transfer(StoredImage.named("mine:1"), RegistryImage.of(target));
      assertTrue(
          pushed.getLast().event().startsWith("Completed push to"), pushed.getLast().event());
      RegistryFixtures.assertCopiedBack(regs, target, tmp.resolve("back"));
      assertEquals("push", reports.getLast().operation());
      assertEquals(everyByte, reports.getLast().bytes());

      List<ProgressEvent> again =
          transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));
      assertTrue(again.stream().anyMatch(e -> e.event().equals("already exists")));
      // the graph is walked from the stored manifests: nothing but the tag's HEAD goes out
      assertEquals(0, reports.getLast().bytes(), "nothing fetched again");
      assertTrue(reports.getLast().outcome().isOk());
    }
  }

  @Test
  void singlePlatformPullThenFullPushNamesTheMissingContent() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      transfer(
          RegistryImage.of(regs.sourceRef()),
          StoredImage.named("one:1").withPlatforms(Platform.parse("linux/arm64")));
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () ->
                  transfer(
                      StoredImage.named("one:1"),
                      RegistryImage.of(regs.destination().host() + "/p/q:1")));
      assertTrue(e.getMessage().contains("is not in the local store"), e.getMessage());
      assertTrue(e.getMessage().contains("one:1"), e.getMessage());
      // With the platform that was pulled, its manifest goes up under the tag (as ctr does): an
      // index naming the other platform would be refused by the registry.
      transfer(
          StoredImage.named("one:1").withPlatforms(Platform.parse("linux/arm64")),
          RegistryImage.of(regs.destination().host() + "/p/q:1"));
      // Several platforms, not all of the index's: refused before anything is uploaded.
      TtrpcException some =
          assertThrows(
              TtrpcException.class,
              () ->
                  transfer(
                      StoredImage.named("one:1")
                          .withPlatforms(
                              Platform.parse("linux/arm64"), Platform.parse("linux/s390x")),
                      RegistryImage.of(regs.destination().host() + "/p/r:1")));
      assertEquals(StatusCode.FAILED_PRECONDITION, some.code());
      assertTrue(
          some.getMessage().contains("pushing the index would name manifests that are not pushed"),
          some.getMessage());
    }
  }

  @Test
  void corruptedBlobInRegistryStorageIsADigestErrorAndNothingIsNamed() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      var layer = regs.image().layers().getFirst();
      Path data = regs.source().blobData(layer.digest());
      byte[] bytes = Files.readAllBytes(data);
      bytes[bytes.length / 2] ^= 0x5a;
      Files.write(data, bytes);
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () -> transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("bad:1")));
      assertTrue(e.getMessage().contains(layer.digest()), e.getMessage());
      assertTrue(store.images().get("default", "bad:1").isEmpty());
    }
  }

  @Test
  void registryStoppedMidPullAndRestartedResumesWithRange() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithBigLayer(tmp, 48 << 20)) {
      var big = regs.image().layers().getFirst();
      Thread killer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (store.content().listStatuses("default", List.of()).stream()
                          .noneMatch(s -> s.offset() > (4 << 20))) {
                        Thread.sleep(5);
                      }
                      regs.source().restart();
                    } catch (Exception ex) {
                      throw new RuntimeException(ex);
                    }
                  });
      transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("big:1"));
      killer.join();
      assertTrue(store.images().get("default", "big:1").isPresent());
      assertTrue(store.content().info("default", big.digest()).isPresent());
      String log = Files.readString(regs.source().log());
      assertTrue(
          log.lines().anyMatch(l -> l.contains(big.digest()) && l.contains("\" 206 ")),
          "the registry log shows a 206 partial response for the big layer");
    }
  }

  @Test
  void twoConcurrentPullsOfTheSameImageDownloadTheLayerOnceAndBothSucceed() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithBigLayer(tmp, 8 << 20);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      var big = regs.image().layers().getFirst();
      front.throttle(8 << 20); // about a second per pull: they overlap
      RegistryImage source =
          RegistryImage.of(front.host() + "/app/multi:v1").withDefaultScheme("http");
      List<List<ProgressEvent>> events = new CopyOnWriteArrayList<>();
      List<Thread> pulls = new ArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      for (String name : List.of("first:1", "second:1")) {
        pulls.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        events.add(transfer(source, StoredImage.named(name)));
                      } catch (Throwable t) {
                        failures.add(t);
                      }
                    }));
      }
      for (Thread t : pulls) {
        t.join();
      }
      assertEquals(List.of(), failures);
      for (String name : List.of("first:1", "second:1")) {
        assertEquals(
            regs.image().root().digest(),
            store.images().get("default", name).orElseThrow().target().getDigest());
      }
      assertEquals(big.size(), store.content().info("default", big.digest()).orElseThrow().size());
      long downloads =
          front.seen().stream()
              .filter(s -> s.method().equals("GET") && s.path().endsWith(big.digest()))
              .count();
      assertEquals(1, downloads, "the second pull waited for the first's ingest: " + front.seen());
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e.stream()
                          .anyMatch(
                              p ->
                                  p.event().equals("already exists")
                                      && p.name().contains(big.digest()))),
          "one pull reports the layer as already there");
      assertEquals(List.of(), store.content().listStatuses("default", List.of()), "no ingest left");
    }
  }

  @Test
  void aRepeatPullOfAStoredImageOnlyResolvesTheTag() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp);
        FaultFront front = FaultFront.forwardingTo(regs.source())) {
      String ref = regs.sourceRef().replace(regs.source().host(), front.host());
      RegistryImage source = RegistryImage.of(ref).withDefaultScheme("http");
      transfer(source, StoredImage.named("again:1"));
      int before = front.seen().size();
      transfer(source, StoredImage.named("again:1"));
      List<FaultFront.Seen> second = List.copyOf(front.seen().subList(before, front.seen().size()));
      String tag = ref.substring(ref.lastIndexOf(':') + 1);
      assertEquals(1, second.size(), second.toString());
      assertTrue(second.getFirst().path().endsWith("/manifests/" + tag), second.toString());
    }
  }
}
