package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.services.LeasesService;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code leases rm}, {@code content ingests} and {@code gc} against a real daemon. */
class StoreMaintenanceCommandsTest {
  private static final CallOptions DEFAULT_NS =
      CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default");
  private CliFixture fixture;
  private TtrpcClient client;

  @BeforeEach
  void start() throws Exception {
    fixture = CliFixture.start();
    client = TtrpcClient.connect(fixture.socket());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    fixture.close();
  }

  /** Sends {@code data} under {@code ref}, committing it (no lease) or leaving it uncommitted. */
  private String write(String ref, byte[] data, boolean commit) throws Exception {
    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, DEFAULT_NS)) {
      String digest =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
      WriteContentRequest.Builder request =
          WriteContentRequest.newBuilder()
              .setAction(commit ? WriteAction.COMMIT : WriteAction.WRITE)
              .setRef(ref)
              .setTotal(data.length)
              .setData(ByteString.copyFrom(data));
      if (commit) {
        request.setExpected(digest);
      }
      s.send(request.build());
      s.receive();
      return digest;
    }
  }

  @Test
  void leasesRmDeletesLeasesAndNamesAMissingOne() {
    client.call(LeasesService.CREATE, CreateRequest.newBuilder().setId("mine").build(), DEFAULT_NS);
    client.call(
        LeasesService.CREATE, CreateRequest.newBuilder().setId("yours").build(), DEFAULT_NS);

    CliFixture.Result rm = fixture.run("leases", "rm", "mine", "yours");
    assertEquals(0, rm.code(), rm.err());
    assertEquals("mine\nyours\n", rm.out());
    assertEquals(1, fixture.run("leases", "ls").out().lines().count(), "header only");

    CliFixture.Result missing = fixture.run("leases", "rm", "--sync", "nope");
    assertEquals(ExitCodes.NOT_FOUND, missing.code());
    assertTrue(
        missing
            .err()
            .startsWith(
                "transferctl: remove lease nope: not found: lease \"nope\" not found in namespace"
                    + " default"),
        missing.err());
  }

  @Test
  void contentIngestsListsUploadsInProgressAndAbortsThem() throws Exception {
    write("half-done", "twelve bytes".getBytes(StandardCharsets.UTF_8), false);

    CliFixture.Result list = fixture.run("content", "ingests");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().startsWith("REF "), list.out());
    assertTrue(list.out().lines().anyMatch(l -> l.startsWith("half-done ")), list.out());
    assertTrue(list.out().contains("12 B"), list.out());

    CliFixture.Result abort = fixture.run("content", "ingests", "--abort", "half-done");
    assertEquals(0, abort.code(), abort.err());
    assertEquals("half-done\n", abort.out());
    assertEquals(1, fixture.run("content", "ingests").out().lines().count(), "header only");

    CliFixture.Result again = fixture.run("content", "ingests", "--abort", "half-done");
    assertEquals(ExitCodes.NOT_FOUND, again.code(), again.err());
    assertTrue(
        again.err().startsWith("transferctl: abort ingest half-done: not found"), again.err());
  }

  @Test
  void gcRemovesWhatNothingHoldsAndPrintsIt() throws Exception {
    String digest = write("orphan", "nothing holds me".getBytes(StandardCharsets.UTF_8), true);
    assertEquals(digest + "\n", fixture.run("content", "ls", "-q").out());

    CliFixture.Result gc = fixture.run("gc");
    assertEquals(0, gc.code(), gc.err());
    assertEquals("removed blob " + digest + " 16 B\nfreed 16 B: 1 blob, 0 ingests\n", gc.out());
    assertEquals("", fixture.run("content", "ls", "-q").out());

    CliFixture.Result nothing = fixture.run("gc");
    assertEquals("freed 0 B: 0 blobs, 0 ingests\n", nothing.out());
  }
}
