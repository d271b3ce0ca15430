package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The outcome a transfer's report carries is the one the client got. */
class TransferOutcomeTest {
  @Test
  void aTransferPastItsDeadlineIsReportedAsDeadlineExceeded() throws Exception {
    CompletableFuture<TransferReport> report = new CompletableFuture<>();
    OperationTable table =
        OperationTable.builder()
            .add(
                ImageStoreEndpoint.class,
                ImageStoreEndpoint.class,
                (context, source, destination) -> {
                  // blocks until the call is cancelled, as a stalled registry would
                  new CompletableFuture<Void>().get();
                })
            .build();
    StreamManager manager = new StreamManager();
    try (StreamingFixture fixture =
        StreamingFixture.start(
            manager,
            TransferService.definition(
                manager, TransferSettings.DEFAULTS, table, report::complete))) {
      TransferRequest request =
          TransferRequest.newBuilder()
              .setSource(AnyCodec.pack(ImageStore.newBuilder().setName("a:1").build()))
              .setDestination(AnyCodec.pack(ImageStore.newBuilder().setName("b:1").build()))
              .build();
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () ->
                  fixture.client.call(
                      StreamingProtocol.TRANSFER,
                      request,
                      CallOptions.DEFAULT
                          .withTimeout(Duration.ofMillis(300))
                          .withMetadata(StreamingProtocol.NAMESPACE_KEY, "default")));
      assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
      TransferReport r = report.get(30, TimeUnit.SECONDS);
      assertEquals(StatusCode.DEADLINE_EXCEEDED, r.outcome().code(), r.toString());
      assertTrue(r.operation().equals("tag"), r.toString());
    }
  }
}
