package dev.transferd.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamingServiceTest {
  private StreamingFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = StreamingFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private static Any text(String s) {
    return AnyCodec.pack(StringValue.of(s));
  }

  private static String text(Any any) {
    return AnyCodec.unpack(any, StringValue.class).getValue();
  }

  private ClientStream<Any, Any> rawStream(String namespace) {
    CallOptions options =
        namespace == null
            ? CallOptions.DEFAULT
            : CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
    return fixture.client.openStream(StreamingProtocol.STREAM, options);
  }

  @Test
  void ackIsAnEmptyAnyAndTheIdIsResolvableWhenItArrives() {
    ClientStream<Any, Any> raw = rawStream("ns1");
    raw.send(StreamingProtocol.init("import-1-abcd"));
    Any ack = raw.receive();
    assertEquals("google.protobuf.Empty", ack.getTypeUrl());
    assertTrue(ack.getValue().isEmpty());
    assertEquals("import-1-abcd", fixture.manager.get("ns1", "import-1-abcd").id());
    raw.cancel();
  }

  @Test
  void streamInitWithAPrefixedTypeUrlIsAccepted() {
    ClientStream<Any, Any> raw = rawStream(null);
    raw.send(
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/containerd.services.streaming.v1.StreamInit")
            .setValue(StreamInit.newBuilder().setId("p").build().toByteString())
            .build());
    assertEquals(StreamingProtocol.ACK_TYPE, raw.receive().getTypeUrl());
    raw.cancel();
  }

  @Test
  void aFirstMessageOtherThanStreamInitFailsTheCall() {
    ClientStream<Any, Any> raw = rawStream(null);
    raw.send(text("hello"));
    TtrpcException e = assertThrows(TtrpcException.class, raw::receive);
    assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("StreamInit"), e.getMessage());
  }

  @Test
  void anEmptyStreamIdFailsTheCall() {
    ClientStream<Any, Any> raw = rawStream(null);
    raw.send(StreamingProtocol.init(""));
    assertEquals(
        StatusCode.INVALID_ARGUMENT, assertThrows(TtrpcException.class, raw::receive).code());
  }

  @Test
  void aDuplicateIdInOneNamespaceFailsWithAlreadyExists() throws Exception {
    fixture.creator("ns1").open("creds-1");
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> fixture.creator("ns1").open("creds-1"));
    assertEquals(StatusCode.ALREADY_EXISTS, e.code());
    // The same id in another namespace, or in none, is another stream.
    fixture.creator("ns2").open("creds-1");
    fixture.creator("").open("creds-1");
    assertEquals(3, fixture.manager.size());
  }

  @Test
  void anUnknownIdIsNotFound() {
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> fixture.manager.get("ns1", "export-9-zzzz"));
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("export-9-zzzz"), e.getMessage());
  }

  @Test
  void aNamespacedLookupFallsBackToAStreamRegisteredWithoutNamespace() throws Exception {
    // Go's ttrpc client sends no metadata on streams: the stream lands in "".
    AnyStream goStyle = fixture.creator("").open("progress-1-aaaa");
    assertEquals("", goStyle.namespace());
    assertEquals("progress-1-aaaa", fixture.manager.get("default", "progress-1-aaaa").id());
    assertEquals("progress-1-aaaa", fixture.manager.get("", "progress-1-aaaa").id());
  }

  @Test
  void theNamespacedStreamWinsOverTheOneWithoutNamespace() throws Exception {
    fixture.creator("").open("x");
    fixture.creator("default").open("x");
    assertEquals("default", fixture.manager.get("default", "x").namespace());
    assertEquals("", fixture.manager.get("other", "x").namespace());
  }

  @Test
  void aStreamInOneNamespaceIsInvisibleToOthersAndToCallsWithoutNamespace() throws Exception {
    fixture.creator("a").open("s");
    assertEquals(
        StatusCode.NOT_FOUND,
        assertThrows(TtrpcException.class, () -> fixture.manager.get("b", "s")).code());
    assertEquals(
        StatusCode.NOT_FOUND,
        assertThrows(TtrpcException.class, () -> fixture.manager.get("", "s")).code());
  }

  @Test
  void messagesSentBeforeAConsumerAttachesAreKeptInOrder() throws Exception {
    AnyStream client = fixture.creator("ns").open("export-1");
    for (int i = 0; i < 10; i++) {
      client.send(text("m" + i));
    }
    client.close();
    Thread.sleep(50); // the consumer attaches late, as a Transfer call does
    AnyStream server = fixture.manager.get("ns", "export-1");
    for (int i = 0; i < 10; i++) {
      assertEquals("m" + i, text(server.receive()));
    }
    assertNull(server.receive(), "the client's closeSend reads as a clean end");
  }

  @Test
  void serverCloseEndsTheCallCleanlyAndUnregistersTheStream() throws Exception {
    AnyStream client = fixture.creator("ns").open("progress-2");
    AnyStream server = fixture.manager.get("ns", "progress-2");
    server.send(text("event"));
    server.close();
    assertEquals("event", text(client.receive()));
    assertNull(client.receive());
    fixture.awaitNoStreams();
    assertThrows(TtrpcException.class, () -> server.send(text("late")));
  }

  @Test
  void serverFailureReachesTheClientWithItsCode() throws Exception {
    AnyStream client = fixture.creator("ns").open("export-2");
    AnyStream server = fixture.manager.get("ns", "export-2");
    server.fail(Status.of(StatusCode.DATA_LOSS, "archive writer failed"));
    TtrpcException e = assertThrows(TtrpcException.class, client::receive);
    assertEquals(StatusCode.DATA_LOSS, e.code());
    assertEquals("archive writer failed", e.status().message());
    fixture.awaitNoStreams();
  }

  @Test
  void clientFailureReachesTheServerAsAnAbortMarkerBeforeTheEnd() throws Exception {
    AnyStream client = fixture.creator("ns").open("import-3");
    AnyStream server = fixture.manager.get("ns", "import-3");
    client.fail(Status.of(StatusCode.DATA_LOSS, "disk read error"));
    Any marker = server.receive();
    assertTrue(StreamingProtocol.isAbort(marker));
    assertEquals(StatusCode.DATA_LOSS, StreamingProtocol.abortStatus(marker).code());
    assertNull(server.receive());
  }

  @Test
  void aClientThatGoesAwayEndsTheServerEndWithCancelledAndUnregistersIt() throws Exception {
    TtrpcClient other = fixture.newClient();
    AnyStream client = new StreamCreator(other, "ns").open("creds-9");
    AnyStream server = fixture.manager.get("ns", "creds-9");
    CountDownLatch arrived = new CountDownLatch(1);
    server.watchArrivals(m -> arrived.countDown());
    client.send(text("queued"));
    assertTrue(arrived.await(5, TimeUnit.SECONDS), "the message reached the server first");
    other.close();
    assertEquals("queued", text(server.receive()), "what arrived is still delivered");
    TtrpcException e = assertThrows(TtrpcException.class, server::receive);
    assertEquals(StatusCode.CANCELLED, e.code());
    fixture.awaitNoStreams();
  }

  @Test
  void receiveWithATimeoutGivesUpWithoutEndingTheStream() throws Exception {
    AnyStream client = fixture.creator("ns").open("creds-1");
    AnyStream server = fixture.manager.get("ns", "creds-1");
    assertThrows(TimeoutException.class, () -> server.receive(Duration.ofMillis(50)));
    client.send(text("late answer"));
    assertEquals("late answer", text(server.receive(Duration.ofSeconds(5))));
    assertNull(server.poll());
  }

  @Test
  void everyStreamIsUnregisteredAfterItsCallEnds() throws Exception {
    StreamCreator creator = fixture.creator("ns");
    for (int i = 0; i < 20; i++) {
      AnyStream c = creator.create(StreamIds.IMPORT);
      AnyStream s = fixture.manager.get("ns", c.id());
      assertSame(s, fixture.manager.get("ns", c.id()));
      if (i % 2 == 0) {
        s.close();
      } else {
        s.cancel();
      }
    }
    fixture.awaitNoStreams();
  }

  @Test
  void generatedIdsFollowContainerdsPattern() {
    String id = StreamIds.generate(StreamIds.PROGRESS);
    assertTrue(id.matches("progress-\\d{1,9}-[A-Za-z0-9_-]{4}"), id);
  }
}
