package dev.transferd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.Metadata;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.Protocol;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.TtrpcServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with the reference implementation: the Go ttrpc peer (containerd/ttrpc v1.1.1 from
 * Debian, built by {@link GoPeer}) as client of a Java server and as server of a Java client. Both
 * sides implement the same {@code ttrpc.interop.v1.Interop} service (see the peer's main.go).
 *
 * <p>Without Go these tests fail, naming the Debian packages to install.
 */
class GoInteropTest {
  static final String SERVICE = "ttrpc.interop.v1.Interop";
  static final MethodDescriptor<BytesValue, BytesValue> ECHO = method("Echo");
  static final MethodDescriptor<BytesValue, BytesValue> METADATA = method("Metadata");
  static final MethodDescriptor<BytesValue, BytesValue> FAIL = method("Fail");
  static final MethodDescriptor<BytesValue, BytesValue> DEADLINE = method("Deadline");
  static final MethodDescriptor<BytesValue, BytesValue> SLEEP = method("Sleep");
  static final MethodDescriptor<BytesValue, BytesValue> NO_SUCH_METHOD = method("NoSuchMethod");
  static final MethodDescriptor<BytesValue, BytesValue> NO_SUCH_SERVICE =
      MethodDescriptor.unary(
          "ttrpc.interop.v1.NoSuchService", "Echo", BytesValue.parser(), BytesValue.parser());

  /** The largest Echo payload whose Request frame stays within the limit, with 64 bytes spare. */
  static final int NEAR_LIMIT = Protocol.DEFAULT_MAX_MESSAGE_SIZE - 64;

  static final int OVERSIZED = Protocol.DEFAULT_MAX_MESSAGE_SIZE + 1;

  @TempDir static Path dir;
  static Process goServer;
  static TtrpcClient client;

  @BeforeAll
  static void startGoServer() {
    Path socket = dir.resolve("go.sock");
    goServer = GoPeer.start("serve", socket);
    client = TtrpcClient.connect(socket);
  }

  @AfterAll
  static void stopGoServer() {
    if (client != null) {
      client.close();
    }
    if (goServer != null) {
      GoPeer.stop(goServer);
    }
  }

  // ---- Go client -> Java server ----

  @Test
  void goClientCallsJavaServerWithMetadataDeadlinesAndErrors() throws Exception {
    Path socket = dir.resolve("java.sock");
    try (TtrpcServer server = TtrpcServer.builder().addService(interopService()).build()) {
      server.start(socket);
      GoPeer.Result result = GoPeer.run(Duration.ofSeconds(60), "check", socket);
      System.out.println("ttrpc-peer check against the Java server:\n" + result.output());
      assertEquals(
          0,
          result.exitCode(),
          () -> "ttrpc-peer check against the Java server failed:\n" + result.output());
      assertTrue(
          result.output().contains("PASS call-after-oversized"),
          () -> "the check did not run to the end:\n" + result.output());
    }
  }

  // ---- Java client -> Go server ----

  @Test
  void javaClientEchoesSmallAndNearLimitPayloadsThroughGoServer() {
    assertEquals(bytes("hello, go"), client.call(ECHO, bytes("hello, go")));
    assertEquals(BytesValue.getDefaultInstance(), client.call(ECHO, bytes("")));

    byte[] big = pattern(NEAR_LIMIT);
    BytesValue reply =
        client.call(
            ECHO,
            BytesValue.of(ByteString.copyFrom(big)),
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)));
    assertArrayEquals(big, reply.getValue().toByteArray());
  }

  @Test
  void goServerSeesMultiValuedMetadataFromJavaClient() {
    Metadata metadata = Metadata.builder().add("k", "a").add("k", "b").add("other", "x").build();
    BytesValue reply = client.call(METADATA, bytes(""), CallOptions.DEFAULT.withMetadata(metadata));
    assertEquals("k=a\nk=b\nother=x", text(reply));
  }

  @Test
  void goServerSeesJavaClientsDeadlineAndItsAbsence() {
    BytesValue reply =
        client.call(DEADLINE, bytes(""), CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(2)));
    long remaining = Long.parseLong(text(reply));
    assertTrue(remaining > 0 && remaining <= 2000, "remaining ms in (0,2000]: " + remaining);

    assertEquals("none", text(client.call(DEADLINE, bytes(""))));
  }

  @Test
  void goServerErrorsArriveWithTheirCodeAndMessage() {
    TtrpcException notFound =
        assertThrows(TtrpcException.class, () -> client.call(FAIL, bytes("5:nope")));
    assertEquals(StatusCode.NOT_FOUND, notFound.code());
    assertEquals("nope", notFound.status().message());

    TtrpcException unimplemented =
        assertThrows(TtrpcException.class, () -> client.call(FAIL, bytes("12:x")));
    assertEquals(StatusCode.UNIMPLEMENTED, unimplemented.code());
    assertEquals("x", unimplemented.status().message());
  }

  @Test
  void goServerAnswersUnknownMethodsAndServicesWithUnimplemented() {
    TtrpcException method =
        assertThrows(TtrpcException.class, () -> client.call(NO_SUCH_METHOD, bytes("")));
    assertEquals(StatusCode.UNIMPLEMENTED, method.code(), method::toString);
    assertEquals("method NoSuchMethod", method.status().message());

    TtrpcException service =
        assertThrows(TtrpcException.class, () -> client.call(NO_SUCH_SERVICE, bytes("")));
    assertEquals(StatusCode.UNIMPLEMENTED, service.code(), service::toString);
    assertEquals("service ttrpc.interop.v1.NoSuchService", service.status().message());
  }

  @Test
  void javaClientRefusesOversizedRequestLocallyAndKeepsTheConnection() {
    BytesValue tooBig = BytesValue.of(ByteString.copyFrom(pattern(OVERSIZED)));
    TtrpcException e = assertThrows(TtrpcException.class, () -> client.call(ECHO, tooBig));
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code(), e::toString);
    // The Go v1.1.1 server would answer RESOURCE_EXHAUSTED too, with the same text; what shows the
    // request never left is that the exception comes from encoding it, not from a Response.
    assertTrue(
        Arrays.stream(e.getStackTrace())
            .anyMatch(f -> f.getClassName().equals("dev.transferd.ttrpc.FrameEncoder")),
        "expected a local refusal while encoding");

    assertEquals(bytes("still here"), client.call(ECHO, bytes("still here")));
  }

  @Test
  void javaClientEndsACallToASlowGoHandlerAtItsDeadline() {
    long start = System.nanoTime();
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.call(
                    SLEEP, bytes("5000"), CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200))));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code(), e::toString);
    assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "took " + took);

    assertEquals("slept", text(client.call(SLEEP, bytes("10"))));
  }

  // ---- the Java side of the Interop service ----

  /** The Interop service with the same semantics as {@code ttrpc-peer serve}. */
  static ServiceDefinition interopService() {
    return ServiceDefinition.builder(SERVICE)
        .unary(ECHO, (ctx, req) -> req)
        .unary(METADATA, (ctx, req) -> bytes(formatMetadata(ctx.metadata())))
        .unary(FAIL, (ctx, req) -> fail(text(req)))
        .unary(DEADLINE, (ctx, req) -> deadline(ctx))
        .unary(SLEEP, (ctx, req) -> sleep(ctx, text(req)))
        .build();
  }

  static String formatMetadata(Metadata metadata) {
    List<String> lines = new ArrayList<>();
    for (String key : metadata.keys()) {
      for (String value : metadata.getAll(key)) {
        lines.add(key + "=" + value);
      }
    }
    Collections.sort(lines);
    return String.join("\n", lines);
  }

  static BytesValue fail(String request) {
    int colon = request.indexOf(':');
    if (colon < 0) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, "want CODE:message: " + request);
    }
    StatusCode code = StatusCode.of(Integer.parseInt(request.substring(0, colon)));
    throw new TtrpcException(code, request.substring(colon + 1));
  }

  static BytesValue deadline(CallContext ctx) {
    Optional<Duration> remaining = ctx.timeRemaining();
    return bytes(remaining.map(d -> Long.toString(d.toMillis())).orElse("none"));
  }

  /** Blocks; at the deadline the server interrupts it and answers DEADLINE_EXCEEDED itself. */
  static BytesValue sleep(CallContext ctx, String millis) throws InterruptedException {
    try {
      Thread.sleep(Long.parseLong(millis));
    } catch (InterruptedException e) {
      ctx.checkCancelled();
      throw e;
    }
    return bytes("slept");
  }

  // ---- helpers ----

  static MethodDescriptor<BytesValue, BytesValue> method(String name) {
    return MethodDescriptor.unary(SERVICE, name, BytesValue.parser(), BytesValue.parser());
  }

  static BytesValue bytes(String s) {
    return BytesValue.of(ByteString.copyFromUtf8(s));
  }

  static String text(BytesValue value) {
    return value.getValue().toString(StandardCharsets.UTF_8);
  }

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >> 8));
    }
    return b;
  }
}
