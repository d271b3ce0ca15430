package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry to registry through the Transfer service, between real docker-registry processes. */
class RegistryCopyTransferTest {
  @TempDir Path tmp;
  private StreamingFixture fixture;
  private TransferClient client;

  @BeforeEach
  void start() throws Exception {
    StreamManager manager = new StreamManager();
    fixture =
        StreamingFixture.start(
            manager, TransferService.definition(manager, TransferSettings.DEFAULTS));
    client = TransferClient.builder(fixture.client).namespace("default").build();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private List<ProgressEvent> copy(String from, String to) throws Exception {
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    client.transfer(
        RegistryImage.of(from), RegistryImage.of(to), TransferOptions.withProgress(events::add));
    return events;
  }

  @Test
  void copyBetweenRegistriesIsByteIdenticalAndReportsEveryBlob() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      List<ProgressEvent> events =
          copy(regs.sourceRef(), regs.destination().host() + "/copied/app:v9");
      RegistryFixtures.assertCopiedBack(
          regs, regs.destination().host() + "/copied/app:v9", tmp.resolve("back"));
      assertEquals(
          "Copying from OCI Registry ("
              + regs.sourceRef()
              + ") to OCI Registry ("
              + regs.destination().host()
              + "/copied/app:v9)",
          events.getFirst().event());
      long completes = events.stream().filter(e -> e.event().equals("complete")).count();
      assertEquals(regs.blobCount(), completes);
      assertTrue(
          events.getLast().event().startsWith("Completed copy to "), events.getLast().event());

      List<ProgressEvent> again =
          copy(regs.sourceRef(), regs.destination().host() + "/copied/app:v9");
      assertEquals(
          regs.blobCount(), again.stream().filter(e -> e.event().equals("already exists")).count());
    }
  }

  @Test
  void copyWithinOneRegistryMountsInsteadOfUploading() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      String target = regs.source().host() + "/other/place:v1";
      copy(regs.sourceRef(), target);
      String log = Files.readString(regs.source().log());
      assertTrue(log.contains("mount=sha256"), "the copy asked for mounts");
      assertTrue(
          !log.contains("PATCH /v2/other/place") && !log.contains("PUT /v2/other/place/blobs"),
          "no blob was uploaded");
      RegistryFixtures.assertCopiedBack(regs, target, tmp.resolve("back"));
    }
  }

  @Test
  void copyOfAMissingTagIsNotFoundNamingIt() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      String missing = regs.source().host() + "/app/multi:missing";
      TtrpcException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              TtrpcException.class, () -> copy(missing, regs.destination().host() + "/x/y:z"));
      assertEquals(StatusCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().contains(missing), e.getMessage());
    }
  }
}
