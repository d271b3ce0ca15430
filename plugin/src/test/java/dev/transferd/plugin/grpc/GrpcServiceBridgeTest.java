package dev.transferd.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.MessageLite;
import com.google.protobuf.StringValue;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.lite.ProtoLiteUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ttrpc service definition served over gRPC by the bridge, called by grpc-java's client over a
 * real unix socket: the four call shapes, statuses, metadata and cancellation reach the handlers
 * written for ttrpc.
 */
class GrpcServiceBridgeTest {
  private static final String SERVICE = "test.Echo";
  private static final MethodDescriptor<StringValue, StringValue> UNARY =
      MethodDescriptor.unary(SERVICE, "Unary", StringValue.parser(), StringValue.parser());
  private static final MethodDescriptor<StringValue, StringValue> SERVER_STREAM =
      MethodDescriptor.serverStreaming(
          SERVICE, "Split", StringValue.parser(), StringValue.parser());
  private static final MethodDescriptor<StringValue, StringValue> CLIENT_STREAM =
      MethodDescriptor.clientStreaming(SERVICE, "Join", StringValue.parser(), StringValue.parser());
  private static final MethodDescriptor<StringValue, StringValue> BIDI =
      MethodDescriptor.bidiStreaming(SERVICE, "Echo", StringValue.parser(), StringValue.parser());
  private static final MethodDescriptor<StringValue, StringValue> BLOCKING =
      MethodDescriptor.unary(SERVICE, "Block", StringValue.parser(), StringValue.parser());

  @TempDir Path dir;
  private final CountDownLatch blockedInterrupted = new CountDownLatch(1);
  private volatile boolean blockingStarted;
  private GrpcServer server;
  private GrpcTestChannel client;

  @BeforeEach
  void start() throws Exception {
    ServiceDefinition echo =
        ServiceDefinition.builder(SERVICE)
            .unary(
                UNARY,
                (ctx, req) -> {
                  if (req.getValue().equals("missing")) {
                    throw new TtrpcException(StatusCode.NOT_FOUND, "content missing not found");
                  }
                  String ns = ctx.metadata().get(CallMetadata.TTRPC_NAMESPACE).orElse("-");
                  return text(req.getValue() + "@" + ns);
                })
            .stream(
                SERVER_STREAM,
                (ctx, s) -> {
                  for (String part : s.receive().getValue().split(",")) {
                    s.send(text(part));
                  }
                  return null;
                })
            .stream(
                CLIENT_STREAM,
                (ctx, s) -> {
                  StringBuilder all = new StringBuilder();
                  for (StringValue v; (v = s.receive()) != null; ) {
                    all.append(v.getValue());
                  }
                  return text(all.toString());
                })
            .stream(
                BIDI,
                (ctx, s) -> {
                  for (StringValue v; (v = s.receive()) != null; ) {
                    s.send(v);
                  }
                  return text("end");
                })
            .unary(
                BLOCKING,
                (ctx, req) -> {
                  blockingStarted = true;
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException e) {
                    if (ctx.isCancelled()) {
                      blockedInterrupted.countDown();
                    }
                    throw e;
                  }
                  return req;
                })
            .build();
    var handlers = new GrpcHandlers();
    server =
        GrpcServer.start(
            dir.resolve("grpc.sock"),
            "rw-------",
            List.of(
                GrpcServiceBridge.bridge(
                    echo, CallMetadata::containerdHeaders, List.of(), handlers)),
            handlers);
    client = GrpcTestChannel.connect(server.address());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void unaryCallSeesContainerdsGrpcNamespaceUnderTheTtrpcKey() {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), "k8s.io");
    StringValue reply =
        ClientCalls.blockingUnaryCall(
            client.channel(),
            grpc(UNARY),
            CallOptions.DEFAULT.withCallCredentials(null),
            text("hello"));
    assertEquals("hello@-", reply.getValue());
    var withNamespace =
        io.grpc.ClientInterceptors.intercept(
            client.channel(), MetadataUtils.newAttachHeadersInterceptor(headers));
    assertEquals(
        "hello@k8s.io",
        ClientCalls.blockingUnaryCall(
                withNamespace, grpc(UNARY), CallOptions.DEFAULT, text("hello"))
            .getValue());
  }

  @Test
  void aHandlersStatusReachesTheClientWithItsCodeAndMessage() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    client.channel(), grpc(UNARY), CallOptions.DEFAULT, text("missing")));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("content missing not found", e.getStatus().getDescription());
  }

  @Test
  void serverStreamingSendsEachMessageThenEnds() {
    Iterator<StringValue> it =
        ClientCalls.blockingServerStreamingCall(
            client.channel(), grpc(SERVER_STREAM), CallOptions.DEFAULT, text("a,b,c"));
    List<String> got = new ArrayList<>();
    it.forEachRemaining(v -> got.add(v.getValue()));
    assertEquals(List.of("a", "b", "c"), got);
  }

  @Test
  void clientStreamingGetsOneResponseAfterTheClientsEnd() throws Exception {
    Collector collector = new Collector();
    ClientCall<StringValue, StringValue> call =
        client.channel().newCall(grpc(CLIENT_STREAM), CallOptions.DEFAULT);
    StreamObserver<StringValue> requests = ClientCalls.asyncClientStreamingCall(call, collector);
    for (int i = 0; i < 100; i++) {
      requests.onNext(text(Integer.toString(i % 10)));
    }
    requests.onCompleted();
    assertEquals(List.of("0123456789".repeat(10)), collector.done.get(10, TimeUnit.SECONDS));
  }

  @Test
  void bidiEchoesManyMessagesPastTheRequestWindowAndEndsWithTheHandlersLastMessage()
      throws Exception {
    Collector collector = new Collector();
    ClientCall<StringValue, StringValue> call =
        client.channel().newCall(grpc(BIDI), CallOptions.DEFAULT);
    StreamObserver<StringValue> requests = ClientCalls.asyncBidiStreamingCall(call, collector);
    int n = GrpcServerStream.WINDOW * 50;
    for (int i = 0; i < n; i++) {
      requests.onNext(text("m" + i));
    }
    requests.onCompleted();
    List<String> got = collector.done.get(30, TimeUnit.SECONDS);
    assertEquals(n + 1, got.size());
    assertEquals("m0", got.getFirst());
    assertEquals("m" + (n - 1), got.get(n - 1));
    assertEquals("end", got.getLast());
  }

  @Test
  void aPassedDeadlineInterruptsTheHandlerAndTheClientGetsDeadlineExceeded() throws Exception {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    client.channel(),
                    grpc(BLOCKING),
                    CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS),
                    text("x")));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertTrue(blockedInterrupted.await(10, TimeUnit.SECONDS), "handler was not interrupted");
  }

  @Test
  void shutdownCancelsARunningHandlerAndReturnsOnlyOnceItHasEnded() throws Exception {
    ClientCall<StringValue, StringValue> call =
        client.channel().newCall(grpc(BLOCKING), CallOptions.DEFAULT);
    Collector collector = new Collector();
    ClientCalls.asyncUnaryCall(call, text("x"), collector);
    awaitActive();
    server.shutdown(java.time.Duration.ofMillis(100));
    assertEquals(0, blockedInterrupted.getCount(), "shutdown returned before the handler ended");
    var e =
        assertThrows(
            java.util.concurrent.ExecutionException.class,
            () -> collector.done.get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e.getCause()).getCode());
  }

  /** Waits until the blocking handler has started (its call is the only one). */
  private void awaitActive() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!blockingStarted) {
      assertTrue(System.nanoTime() < deadline, "handler did not start");
      Thread.sleep(10);
    }
  }

  @Test
  void theSocketFileHasTheConfiguredModeAndGoesAtShutdown() throws Exception {
    Path socket = server.address();
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            java.nio.file.Files.getPosixFilePermissions(socket)));
    server.close();
    assertFalse(java.nio.file.Files.exists(socket));
  }

  private static StringValue text(String s) {
    return StringValue.of(s);
  }

  private static <Q extends MessageLite, R extends MessageLite>
      io.grpc.MethodDescriptor<StringValue, StringValue> grpc(MethodDescriptor<Q, R> m) {
    return io.grpc.MethodDescriptor.<StringValue, StringValue>newBuilder()
        .setType(GrpcServiceBridge.typeOf(m.type()))
        .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(m.service(), m.method()))
        .setRequestMarshaller(ProtoLiteUtils.marshaller(StringValue.getDefaultInstance()))
        .setResponseMarshaller(ProtoLiteUtils.marshaller(StringValue.getDefaultInstance()))
        .build();
  }

  /** Collects a call's responses; completes with them when the call ends OK. */
  private static final class Collector implements StreamObserver<StringValue> {
    final List<String> values = new ArrayList<>();
    final CompletableFuture<List<String>> done = new CompletableFuture<>();

    @Override
    public synchronized void onNext(StringValue value) {
      values.add(value.getValue());
    }

    @Override
    public synchronized void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      done.complete(List.copyOf(values));
    }
  }
}
