package dev.transferd.ttrpc;

import static dev.transferd.ttrpc.TestService.bytes;
import static dev.transferd.ttrpc.TestService.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BytesValue;
import dev.transferd.ttrpc.proto.Request;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our client against a raw server that answers with the frames captured from Go (and Rust) servers,
 * checking what the client writes byte for byte.
 */
class GoldenWireClientTest {
  private Path socket;
  private ServerSocketChannel listener;
  private TtrpcClient client;
  private RawPeer server;

  @BeforeEach
  void listen() throws Exception {
    socket = Files.createTempDirectory("ttrpc-client").resolve("raw.sock");
    listener = RawPeer.listen(socket);
    var accepted = CompletableFuture.supplyAsync(() -> accept());
    client = TtrpcClient.connect(socket);
    server = accepted.get(5, TimeUnit.SECONDS);
  }

  private RawPeer accept() {
    try {
      return RawPeer.accept(listener);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @AfterEach
  void close() throws Exception {
    client.close();
    server.close();
    listener.close();
  }

  private static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call);
  }

  private static Throwable failureOf(CompletableFuture<?> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void unaryCallWritesGoBytesAndReadsAStatuslessResponse() throws Exception {
    var reply = async(() -> client.call(TestService.ECHO, bytes("hi")));
    assertEquals(
        "00000015 00000001 01 00 | 0a07706b672e53766312044563686f1a040a026869",
        server.read().toString());
    server.send("00000006 00000001 02 00 | 1204 0a026869");
    assertEquals("hi", text(reply.get(5, TimeUnit.SECONDS)));
  }

  @Test
  void explicitOkStatusAsRustSendsIsAccepted() throws Exception {
    var reply = async(() -> client.call(TestService.ECHO, bytes("hi")));
    server.read();
    server.send("00000008 00000001 02 00 | 0a00 1204 0a026869");
    assertEquals("hi", text(reply.get(5, TimeUnit.SECONDS)));
  }

  @Test
  void errorStatusBecomesATypedException() throws Exception {
    var reply = async(() -> client.call(TestService.ECHO, bytes("hi")));
    server.read();
    server.send("0000000a 00000001 02 00 | 0a08 0805 1204 6e6f7065");
    TtrpcException e = (TtrpcException) failureOf(reply);
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertEquals("nope", e.status().message());
  }

  @Test
  void streamIdsAreOddAndIncreasing() throws Exception {
    for (int id = 1; id <= 5; id += 2) {
      var reply = async(() -> client.call(TestService.ECHO, bytes("x")));
      assertEquals(id, server.read().streamId());
      server.send(String.format("00000000 %08x 02 00", id));
      reply.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void metadataAndTimeoutAreSentOnUnaryCallsAndStreams() throws Exception {
    CallOptions options =
        CallOptions.DEFAULT
            .withTimeout(Duration.ofSeconds(1))
            .withMetadata("trace-id", "a")
            .withMetadata("Trace-ID", "b");
    async(() -> client.call(TestService.ECHO, bytes("hi"), options));
    Request unary = Request.parseFrom(RawPeer.HEX.parseHex(server.read().dataHex()));
    assertEquals(2, unary.getMetadataCount());
    assertEquals("trace-id", unary.getMetadata(0).getKey());
    assertEquals("a", unary.getMetadata(0).getValue());
    assertEquals("b", unary.getMetadata(1).getValue());
    long timeout = unary.getTimeoutNano();
    assertTrue(timeout > 900_000_000L && timeout <= 1_000_000_000L, "timeout_nano " + timeout);

    // Go sends neither on streams (its #159); we send both.
    client.openStream(TestService.UP, options);
    Request open = Request.parseFrom(RawPeer.HEX.parseHex(server.read().dataHex()));
    assertEquals(2, open.getMetadataCount());
    assertTrue(open.getTimeoutNano() > 0);
  }

  @Test
  void clientStreamOpensWithRemoteOpenNoDataAndEndsWithTheCloseMarker() throws Exception {
    ClientStream<BytesValue, BytesValue> up =
        client.openStream(TestService.UP, CallOptions.DEFAULT);
    RawPeer.Frame open = server.read();
    // 0x06: remote open | no data, which Rust servers need and Go servers ignore.
    assertEquals("0000000d 00000001 01 06 | 0a07706b672e53766312025570", open.toString());
    up.send(bytes("ab"));
    up.send(BytesValue.getDefaultInstance());
    up.closeSend();
    assertEquals("00000004 00000001 03 00 | 0a026162", server.read().toString());
    assertEquals("00000000 00000001 03 00 | ", server.read().toString());
    assertEquals("00000000 00000001 03 05 | ", server.read().toString());
    server.send("00000008 00000001 02 00 | 1206 0a0461626364");
    assertEquals("abcd", text(up.receive()));
    assertNull(up.receive());
  }

  @Test
  void serverStreamEndsAtTheCloseMarker() throws Exception {
    ClientStream<BytesValue, BytesValue> down =
        client.openStream(TestService.DOWN, BytesValue.getDefaultInstance(), CallOptions.DEFAULT);
    assertEquals(
        "0000000f 00000001 01 01 | 0a07706b672e5376631204446f776e", server.read().toString());
    server.send("00000003 00000001 03 00 | 0a0161");
    server.send("00000000 00000001 03 00");
    server.send("00000000 00000001 03 05");
    assertEquals("a", text(down.receive()));
    assertEquals(BytesValue.getDefaultInstance(), down.receive());
    assertNull(down.receive());
    assertNull(down.receive());
  }

  @Test
  void lastDataWithRemoteClosedCarriesAFinalMessage() throws Exception {
    ClientStream<BytesValue, BytesValue> down =
        client.openStream(TestService.DOWN, bytes("go"), CallOptions.DEFAULT);
    server.read();
    server.send("00000003 00000001 03 01 | 0a0161");
    assertEquals("a", text(down.receive()));
    assertNull(down.receive());
  }

  @Test
  void streamErrorResponseFollowsTheDataAlreadySent() throws Exception {
    ClientStream<BytesValue, BytesValue> down =
        client.openStream(TestService.STOP, bytes("go"), CallOptions.DEFAULT);
    server.read();
    server.send("00000003 00000001 03 00 | 0a0161");
    server.send("00000008 00000001 02 00 | 0a06 080a 1202 6e6f");
    assertEquals("a", text(down.receive()));
    TtrpcException e = assertThrows(TtrpcException.class, down::receive);
    assertEquals(StatusCode.ABORTED, e.code());
  }

  @Test
  void framesForUnknownStreamsAndUnknownTypesAreDropped() throws Exception {
    var reply = async(() -> client.call(TestService.ECHO, bytes("hi")));
    server.read();
    server.send("00000006 00000063 02 00 | 1204 0a02 6869"); // stream 99: never opened
    server.send("00000003 00000063 03 00 | 0a0161");
    server.send("00000002 00000001 07 00 | abcd"); // a type from the future
    server.send("00000006 00000001 02 00 | 1204 0a02 6f6b");
    assertEquals("ok", text(reply.get(5, TimeUnit.SECONDS)));
  }

  @Test
  void oversizedResponseFailsOnlyItsCall() throws Exception {
    var first = async(() -> client.call(TestService.ECHO, bytes("1")));
    server.read();
    byte[] frame = new byte[10 + 4194305];
    System.arraycopy(RawPeer.HEX.parseHex("00400001000000010200"), 0, frame, 0, 10);
    server.write(frame);
    TtrpcException e = (TtrpcException) failureOf(first);
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    var second = async(() -> client.call(TestService.ECHO, bytes("2")));
    assertEquals(3, server.read().streamId());
    server.send("00000000 00000003 02 00");
    second.get(5, TimeUnit.SECONDS);
  }

  @Test
  void oversizedRequestIsRefusedLocallyAndNothingIsWritten() throws Exception {
    BytesValue big = BytesValue.of(com.google.protobuf.ByteString.copyFrom(new byte[4 << 20]));
    TtrpcException e = assertThrows(TtrpcException.class, () -> client.call(TestService.ECHO, big));
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    var next = async(() -> client.call(TestService.ECHO, bytes("x")));
    // The first frame on the wire is the next call's: the oversized one never left.
    assertEquals(1, server.read().streamId());
    server.send("00000000 00000001 02 00");
    next.get(5, TimeUnit.SECONDS);
  }

  @Test
  void closedConnectionFailsOpenCallsNamingTheSocket() throws Exception {
    var pending = async(() -> client.call(TestService.ECHO, bytes("hi")));
    var stream = client.openStream(TestService.DOWN, bytes("x"), CallOptions.DEFAULT);
    server.read();
    server.read();
    server.close();
    TtrpcException e = (TtrpcException) failureOf(pending);
    assertEquals(StatusCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
    TtrpcException s = assertThrows(TtrpcException.class, stream::receive);
    assertEquals(StatusCode.UNAVAILABLE, s.code());
  }

  @Test
  void clientDeadlineFailsTheCallLocallyAndDropsTheLateResponse() throws Exception {
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.call(
                    TestService.ECHO,
                    bytes("hi"),
                    CallOptions.DEFAULT.withTimeout(Duration.ofMillis(100))));
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
    server.read();
    server.send("00000006 00000001 02 00 | 1204 0a026869"); // late: dropped
    var next = async(() -> client.call(TestService.ECHO, bytes("x")));
    assertEquals(3, server.read().streamId());
    server.send("00000006 00000003 02 00 | 1204 0a02 6f6b");
    assertEquals("ok", text(next.get(5, TimeUnit.SECONDS)));
  }
}
