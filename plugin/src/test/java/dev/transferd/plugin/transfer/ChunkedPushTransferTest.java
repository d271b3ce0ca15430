package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.FaultFront;
import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes with {@code push_chunk_size} set: blobs go up as {@code PATCH} chunks with {@code
 * Content-Range}, and a chunk cut off midway continues from where the registry's upload session
 * stands, not from the start of the blob.
 */
class ChunkedPushTransferTest {
  private static final long CHUNK = 64 * 1024;

  @TempDir Path tmp;
  private StreamingFixture fixture;
  private TransferClient client;
  private EmbeddedStore store;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(tmp.resolve("store"));
    StreamManager manager = new StreamManager();
    fixture =
        StreamingFixture.start(
            manager,
            TransferService.definition(
                manager, TransferSettings.DEFAULTS.withPushChunkSize(CHUNK), store));
    client = TransferClient.builder(fixture.client).namespace("default").build();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    store.close();
  }

  @Test
  void pushWithAChunkSizeUploadsInPatchesAndSkopeoReadsTheImageBack() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      client.transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));
      String target = regs.destination().host() + "/chunked/app:v1";

      client.transfer(StoredImage.named("mine:1"), RegistryImage.of(target));

      RegistryFixtures.assertCopiedBack(regs, target, tmp.resolve("back"));
      List<String> patches =
          Files.readAllLines(regs.destination().log()).stream()
              .filter(
                  l -> l.contains("\"PATCH /v2/chunked/app/blobs/uploads/") && l.contains(" 202 "))
              .toList();
      long biggest = regs.image().layers().stream().mapToLong(b -> b.size()).max().orElseThrow();
      assertTrue(biggest > 2 * CHUNK, "the fixture has a layer of several chunks");
      long expected =
          RegistryFixtures.allBlobs(regs.image()).stream()
              .filter(b -> regs.image().layers().contains(b) || regs.image().configs().contains(b))
              .mapToLong(b -> (b.size() + CHUNK - 1) / CHUNK)
              .sum();
      assertEquals(expected, patches.size(), "one PATCH per chunk of every blob:\n" + patches);
    }
  }

  @Test
  void aChunkCutOffMidwayResumesWhereTheUploadSessionStands() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp);
        FaultFront front = FaultFront.forwardingTo(regs.destination())) {
      client.transfer(RegistryImage.of(regs.sourceRef()), StoredImage.named("mine:1"));
      front.dropOnce(
          r ->
              r.method().equals("PATCH")
                  && r.contentRange() != null
                  && !r.contentRange().startsWith("0-"));

      client.transfer(
          StoredImage.named("mine:1"),
          RegistryImage.of(front.host() + "/resumed/app:v1").withDefaultScheme("http"));

      RegistryFixtures.assertCopiedBack(
          regs, regs.destination().host() + "/resumed/app:v1", tmp.resolve("back"));
      List<FaultFront.Seen> seen = front.seen();
      FaultFront.Seen dropped =
          seen.stream().filter(s -> s.status() == -1).findFirst().orElse(null);
      assertNotNull(dropped, "a chunk after the first was cut off: " + seen);
      List<FaultFront.Seen> after = seen.subList(seen.indexOf(dropped) + 1, seen.size());
      List<FaultFront.Seen> sameUpload =
          after.stream().filter(s -> s.path().equals(dropped.path())).toList();
      assertEquals("GET", sameUpload.get(0).method(), "the session was asked: " + sameUpload);
      assertEquals(204, sameUpload.get(0).status());
      assertEquals("PATCH", sameUpload.get(1).method());
      assertEquals(
          dropped.contentRange(),
          sameUpload.get(1).contentRange(),
          "the upload went on from the chunk that was cut off, not from byte 0");
      assertEquals(202, sameUpload.get(1).status());
      // The blob was finished in the session that was cut off, not in a new one. (Counting POSTs
      // would also catch a retry elsewhere that rightly starts over: a connection lost after the
      // front had forwarded a chunk leaves the registry ahead of the session's state token.)
      assertTrue(
          sameUpload.stream().anyMatch(s -> s.method().equals("PUT") && s.status() == 201),
          "the upload that was cut off was completed in its own session: " + sameUpload);
    }
  }
}
