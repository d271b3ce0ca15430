package dev.transferd.ttrpc;

import static dev.transferd.ttrpc.TestService.bytes;
import static dev.transferd.ttrpc.TestService.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our client against our server over real unix sockets: every call kind, errors, deadlines,
 * metadata, concurrency, backpressure, shutdown, and connection loss. Runs once on epoll and once
 * on the NIO fallback ({@code -Dttrpc.nio=true}).
 */
class ContractTest {
  private final TestService service = new TestService();
  private Path dir;
  private Path socket;
  private TtrpcServer server;
  private TtrpcClient client;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("ttrpc-contract");
    socket = dir.resolve("s.sock");
    server = TtrpcServer.builder().addService(service.definition()).build().start(socket);
    client = TtrpcClient.connect(socket);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static void eventually(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void unaryCallsEchoPayloadsUpToTheSizeLimit() {
    assertEquals("hi", text(client.call(TestService.ECHO, bytes("hi"))));
    assertEquals(BytesValue.getDefaultInstance(), client.call(TestService.EMPTY, bytes("")));
    // The largest payload whose Request frame is exactly 4 MiB.
    int envelope = 9 + 6 + 5 + 5; // service, method, payload tag+len, value tag+len
    BytesValue big = BytesValue.of(ByteString.copyFrom(new byte[(4 << 20) - envelope]));
    assertEquals(big, client.call(TestService.ECHO, big));
  }

  @Test
  void stoppingTheSharedEventLoopEndsItsThreadAndLaterCallsStartAnother() throws Exception {
    assertEquals("before", text(client.call(TestService.ECHO, bytes("before"))));
    assertTrue(TtrpcClient.stopSharedEventLoop(java.time.Duration.ofSeconds(5)));
    eventually(
        "no ttrpc-client thread is left",
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("ttrpc-client") && t.isAlive()));
    // The old client's connection went with the thread; its next call connects again.
    assertEquals("old", text(client.call(TestService.ECHO, bytes("old"))));
    try (TtrpcClient again = TtrpcClient.connect(socket)) {
      assertEquals("after", text(again.call(TestService.ECHO, bytes("after"))));
    }
  }

  @Test
  void handlerErrorsReachTheClientWithCodeAndMessage() {
    TtrpcException notFound =
        assertThrows(TtrpcException.class, () -> client.call(TestService.FAIL, bytes("")));
    assertEquals(StatusCode.NOT_FOUND, notFound.code());
    assertEquals("nope", notFound.status().message());
    TtrpcException plain =
        assertThrows(TtrpcException.class, () -> client.call(TestService.PLAIN, bytes("")));
    assertEquals(StatusCode.UNKNOWN, plain.code());
    assertEquals("plain error", plain.status().message());
  }

  @Test
  void unknownServicesAndMethodsAreUnimplemented() {
    var unknownMethod =
        MethodDescriptor.unary(TestService.NAME, "Nope", BytesValue.parser(), BytesValue.parser());
    var unknownService =
        MethodDescriptor.unary("nope.Svc", "Echo", BytesValue.parser(), BytesValue.parser());
    TtrpcException m =
        assertThrows(TtrpcException.class, () -> client.call(unknownMethod, bytes("")));
    assertEquals(StatusCode.UNIMPLEMENTED, m.code());
    assertEquals("method Nope", m.status().message());
    TtrpcException s =
        assertThrows(TtrpcException.class, () -> client.call(unknownService, bytes("")));
    assertEquals(StatusCode.UNIMPLEMENTED, s.code());
    assertEquals("service nope.Svc", s.status().message());
  }

  @Test
  void oversizedResponseFailsOnlyThatCall() {
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () -> client.call(TestService.BIG, bytes(Integer.toString(4 << 20))));
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    assertEquals("hi", text(client.call(TestService.ECHO, bytes("hi"))));
  }

  @Test
  void metadataAndDeadlinesReachHandlersOnCallsAndStreams() {
    CallOptions options =
        CallOptions.DEFAULT
            .withTimeout(Duration.ofSeconds(2))
            .withMetadata("k", "a")
            .withMetadata("k", "b")
            .withMetadata("Other", "c");
    assertEquals("k=a\nk=b\nother=c", text(client.call(TestService.META, bytes(""), options)));
    long left = Long.parseLong(text(client.call(TestService.DEADLINE, bytes(""), options)));
    assertTrue(left > 0 && left <= 2000, "remaining " + left);
    assertEquals("none", text(client.call(TestService.DEADLINE, bytes(""))));
  }

  @Test
  void streamsCarryMetadataToInterceptors() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CallContext.Key<String> user = CallContext.Key.named("user");
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <Q, R> R interceptUnary(CallContext ctx, Q req, UnaryHandler<Q, R> next)
              throws Exception {
            seen.add("unary " + ctx.method().fullMethod() + " " + ctx.metadata().get("user"));
            return next.handle(ctx.with(user, "u"), req);
          }

          @Override
          public <Q, R> R interceptStream(
              CallContext ctx, ServerStream<Q, R> stream, StreamHandler<Q, R> next)
              throws Exception {
            seen.add("stream " + ctx.method().fullMethod() + " " + ctx.metadata().get("user"));
            return next.handle(ctx, stream);
          }
        };
    ClientInterceptor addUser =
        new ClientInterceptor() {
          @Override
          public <
                  Q extends com.google.protobuf.MessageLite,
                  R extends com.google.protobuf.MessageLite>
              R interceptUnary(
                  MethodDescriptor<Q, R> method,
                  Q request,
                  CallOptions options,
                  UnaryInvoker next) {
            return next.invoke(method, request, options.withMetadata("user", "alice"));
          }

          @Override
          public <
                  Q extends com.google.protobuf.MessageLite,
                  R extends com.google.protobuf.MessageLite>
              ClientStream<Q, R> interceptStream(
                  MethodDescriptor<Q, R> method,
                  Q request,
                  CallOptions options,
                  StreamOpener next) {
            return next.open(method, request, options.withMetadata("user", "bob"));
          }
        };
    Path other = dir.resolve("intercepted.sock");
    try (TtrpcServer s =
            TtrpcServer.builder()
                .addService(service.definition())
                .interceptor(recorder)
                .build()
                .start(other);
        TtrpcClient c = TtrpcClient.builder(other).interceptor(addUser).build()) {
      c.call(TestService.ECHO, bytes("x"));
      var up = c.openStream(TestService.UP, CallOptions.DEFAULT);
      up.send(bytes("y"));
      up.closeSend();
      assertEquals("y", text(up.receive()));
    }
    assertEquals(
        List.of("unary /pkg.Svc/Echo Optional[alice]", "stream /pkg.Svc/Up Optional[bob]"), seen);
  }

  @Test
  void serverStreamDeliversMessagesInOrderThenEnds() {
    try (var stream = client.openStream(TestService.COUNT, bytes("500"), CallOptions.DEFAULT)) {
      for (int i = 0; i < 500; i++) {
        assertEquals(Integer.toString(i), text(stream.receive()));
      }
      assertNull(stream.receive());
    }
  }

  @Test
  void serverStreamWithAnEmptyRequestStillStarts() {
    // Go before v1.2.3 hung here (#126): the empty request must still be delivered.
    var stream =
        client.openStream(TestService.DOWN, BytesValue.getDefaultInstance(), CallOptions.DEFAULT);
    assertEquals("a", text(stream.receive()));
    assertEquals(BytesValue.getDefaultInstance(), stream.receive());
    assertNull(stream.receive());
  }

  @Test
  void clientStreamCollectsEveryMessageIntoOneResponse() {
    var up = client.openStream(TestService.UP, CallOptions.DEFAULT);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      up.send(bytes(Integer.toString(i % 10)));
      expected.append(i % 10);
    }
    up.closeSend();
    assertEquals(expected.toString(), text(up.receive()));
    assertNull(up.receive());
  }

  @Test
  void bidiStreamEchoesEachMessage() {
    var bidi = client.openStream(TestService.BIDI, CallOptions.DEFAULT);
    for (int i = 0; i < 100; i++) {
      bidi.send(bytes("m" + i));
      assertEquals("m" + i, text(bidi.receive()));
    }
    bidi.closeSend();
    assertNull(bidi.receive());
  }

  @Test
  void streamHandlerErrorArrivesAfterTheMessagesSentBeforeIt() {
    var stream = client.openStream(TestService.STOP, bytes(""), CallOptions.DEFAULT);
    assertEquals("a", text(stream.receive()));
    TtrpcException e = assertThrows(TtrpcException.class, stream::receive);
    assertEquals(StatusCode.ABORTED, e.code());
    assertEquals("stop", e.status().message());
  }

  @Test
  void serverEnforcesDeadlinesAndInterruptsTheHandler() throws Exception {
    // The client's own deadline is later than the server's, so the server's answer is seen.
    var stream =
        client.openStream(
            TestService.HOLD, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    TtrpcException e = assertThrows(TtrpcException.class, stream::receive);
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
    eventually("the handler was interrupted", () -> service.interrupted.get() == 1);
    eventually("no call is active", () -> server.activeCalls() == 0);
  }

  @Test
  void clientDeadlineFailsUnaryCallsInTime() {
    long start = System.nanoTime();
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.call(
                    TestService.SLEEP,
                    bytes("5000"),
                    CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200))));
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
  }

  @Test
  void thousandConcurrentCallsShareOneConnection() throws Exception {
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> replies = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        String body = "call-" + i;
        replies.add(callers.submit(() -> text(client.call(TestService.ECHO, bytes(body)))));
      }
      for (int i = 0; i < 1000; i++) {
        assertEquals("call-" + i, replies.get(i).get(30, TimeUnit.SECONDS));
      }
    }
    assertEquals(1, server.connectionCount());
  }

  @Test
  void slowStreamConsumerDoesNotDelayOtherCalls() throws Exception {
    // A client stream whose handler never reads: its messages wait in its own queue.
    var held = client.openStream(TestService.HOLD, CallOptions.DEFAULT);
    assertTrue(service.started.await(5, TimeUnit.SECONDS));
    for (int i = 0; i < 32; i++) {
      held.send(bytes("waiting " + i));
    }
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertEquals("ok", text(client.call(TestService.ECHO, bytes("ok"))));
    }
    assertTrue(
        System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
        "calls beside a stalled stream were slow");
    service.release.countDown();
    held.closeSend();
    assertEquals("released", text(held.receive()));
  }

  @Test
  void overflowingAStreamQueueFailsOnlyThatStream() throws Exception {
    var held = client.openStream(TestService.HOLD, CallOptions.DEFAULT);
    assertTrue(service.started.await(5, TimeUnit.SECONDS));
    for (int i = 0; i < 200; i++) {
      try {
        held.send(bytes("flood " + i));
      } catch (TtrpcException e) {
        break; // the server already failed the stream
      }
    }
    TtrpcException e = assertThrows(TtrpcException.class, held::receive);
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    assertTrue(e.getMessage().contains("stream buffer full"), e.getMessage());
    assertEquals("ok", text(client.call(TestService.ECHO, bytes("ok"))));
    eventually("the handler was interrupted", () -> service.interrupted.get() == 1);
  }

  @Test
  void shutdownLetsCallsInFlightFinishAndRefusesNewOnes() throws Exception {
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    Future<String> sleeping =
        threads.submit(() -> text(client.call(TestService.SLEEP, bytes("300"))));
    assertTrue(service.started.await(5, TimeUnit.SECONDS));
    Future<?> stopping = threads.submit(() -> server.shutdown(Duration.ofSeconds(5)));
    eventually("the socket file is gone", () -> !Files.exists(socket));
    TtrpcException refused =
        assertThrows(TtrpcException.class, () -> client.call(TestService.ECHO, bytes("late")));
    assertEquals(StatusCode.UNAVAILABLE, refused.code());
    assertEquals("slept", sleeping.get(5, TimeUnit.SECONDS));
    stopping.get(5, TimeUnit.SECONDS);
    threads.close();
    assertEquals(0, service.interrupted.get());
  }

  @Test
  void shutdownFailsCallsStillRunningAfterTheGracePeriod() throws Exception {
    var held = client.openStream(TestService.HOLD, CallOptions.DEFAULT);
    assertTrue(service.started.await(5, TimeUnit.SECONDS));
    long start = System.nanoTime();
    server.shutdown(Duration.ofMillis(200));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
    TtrpcException e = assertThrows(TtrpcException.class, held::receive);
    assertEquals(StatusCode.UNAVAILABLE, e.code());
    eventually("the handler was interrupted", () -> service.interrupted.get() == 1);
  }

  @Test
  void clientVanishingMidStreamReleasesServerResources() throws Exception {
    try (RawPeer raw = RawPeer.connect(socket)) {
      // Open a bidi stream (flags 0x02) and send one message, then vanish.
      raw.send("0000000f 00000001 01 02 | 0a07706b672e537663 120442696469");
      raw.send("00000004 00000001 03 00 | 0a02 6869");
      assertEquals("00000004 00000001 03 00 | 0a026869", raw.read().toString());
      eventually("the server has the call", () -> server.activeCalls() == 1);
    }
    eventually("the handler saw the cancellation", () -> service.interrupted.get() == 1);
    eventually("no call is active", () -> server.activeCalls() == 0);
    eventually("no connection is left", () -> server.connectionCount() == 1); // only `client`
  }

  @Test
  void peersWithOtherCredentialsAreRefusedAtAccept() throws Exception {
    Path guarded = dir.resolve("guarded.sock");
    try (TtrpcServer s =
        TtrpcServer.builder()
            .addService(service.definition())
            .peerCredentials(PeerCredentialsPolicy.require(4242, -1))
            .build()
            .start(guarded)) {
      try (RawPeer raw = RawPeer.connect(guarded)) {
        assertTrue(raw.closedWithin(Duration.ofSeconds(5)), "connection was not closed");
      }
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () -> {
                try (TtrpcClient c = TtrpcClient.connect(guarded)) {
                  c.call(TestService.ECHO, bytes("x"));
                }
              });
      assertEquals(StatusCode.UNAVAILABLE, e.code());
    }
    // The default policy (same user) lets us in: `client` has been calling all along.
    assertEquals("x", text(client.call(TestService.ECHO, bytes("x"))));
  }

  @Test
  void socketFileHasMode0660AndALiveServerIsNotReplaced() throws Exception {
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    IOException e =
        assertThrows(
            IOException.class,
            () -> TtrpcServer.builder().addService(service.definition()).build().start(socket));
    assertTrue(e.getMessage().contains("already listening"), e.getMessage());
    assertEquals("x", text(client.call(TestService.ECHO, bytes("x"))));
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path stale = dir.resolve("stale.sock");
    RawPeer.listen(stale).close(); // bound, then abandoned: the file stays, nobody answers
    assertTrue(Files.exists(stale));
    try (TtrpcServer s =
            TtrpcServer.builder()
                .addService(service.definition())
                .socketMode("rw-------")
                .build()
                .start(stale);
        TtrpcClient c = TtrpcClient.connect(stale)) {
      assertEquals("x", text(c.call(TestService.ECHO, bytes("x"))));
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stale)));
    }
    Path notASocket = dir.resolve("file.sock");
    Files.writeString(notASocket, "data");
    assertThrows(
        IOException.class,
        () -> TtrpcServer.builder().addService(service.definition()).build().start(notASocket));
    assertEquals("data", Files.readString(notASocket));
  }

  @Test
  void clientMovesToANewConnectionBeforeStreamIdsRunOut() throws Exception {
    try (TtrpcClient c = TtrpcClient.builder(socket).maxStreamId(9).build()) {
      for (int i = 0; i < 20; i++) {
        assertEquals("n" + i, text(c.call(TestService.ECHO, bytes("n" + i))));
      }
    }
    // 20 calls, 5 per connection: old connections close once drained.
    eventually("drained connections are closed", () -> server.connectionCount() <= 2);
  }

  @Test
  void callsAfterTheServerRestartsReconnect() throws Exception {
    server.close();
    TtrpcException down =
        assertThrows(TtrpcException.class, () -> client.call(TestService.ECHO, bytes("x")));
    assertEquals(StatusCode.UNAVAILABLE, down.code());
    assertTrue(down.getMessage().contains(socket.toString()), down.getMessage());
    server = TtrpcServer.builder().addService(service.definition()).build().start(socket);
    assertEquals("back", text(client.call(TestService.ECHO, bytes("back"))));
  }

  @Test
  void serviceRegistryRejectsDuplicates() {
    assertThrows(
        IllegalStateException.class,
        () ->
            TtrpcServer.builder()
                .addService(service.definition())
                .addService(service.definition()));
    assertThrows(
        IllegalStateException.class,
        () ->
            ServiceDefinition.builder(TestService.NAME)
                .unary(TestService.ECHO, (c, r) -> r)
                .unary(TestService.ECHO, (c, r) -> r));
    assertFalse(Transport.EPOLL && Boolean.getBoolean("ttrpc.nio"));
  }

  @Test
  void manyStreamsAndCallsInterleaveWithoutCrossTalk() throws Exception {
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Boolean>> done = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int t = 0; t < 50; t++) {
        int id = t;
        done.add(
            callers.submit(
                () -> {
                  go.await();
                  var bidi = client.openStream(TestService.BIDI, CallOptions.DEFAULT);
                  for (int i = 0; i < 50; i++) {
                    String m = id + ":" + i;
                    bidi.send(bytes(m));
                    if (!m.equals(text(bidi.receive()))) {
                      return false;
                    }
                    if (!m.equals(text(client.call(TestService.ECHO, bytes(m))))) {
                      return false;
                    }
                  }
                  bidi.closeSend();
                  return bidi.receive() == null;
                }));
      }
      go.countDown();
      for (Future<Boolean> f : done) {
        assertTrue(f.get(60, TimeUnit.SECONDS));
      }
    }
  }
}
