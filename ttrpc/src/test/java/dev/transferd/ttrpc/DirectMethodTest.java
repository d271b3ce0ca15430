package dev.transferd.ttrpc;

import static dev.transferd.ttrpc.TestService.bytes;
import static dev.transferd.ttrpc.TestService.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BytesValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Methods registered with {@link ServiceDefinition.Builder#unaryDirect}: their handlers run on the
 * server's I/O thread, the others keep a virtual thread each, and both answer the same way.
 */
class DirectMethodTest {
  private static final MethodDescriptor<BytesValue, BytesValue> WHERE =
      MethodDescriptor.unary("pkg.Direct", "Where", BytesValue.parser(), BytesValue.parser());
  private static final MethodDescriptor<BytesValue, BytesValue> MISSING =
      MethodDescriptor.unary("pkg.Direct", "Missing", BytesValue.parser(), BytesValue.parser());
  private static final MethodDescriptor<BytesValue, BytesValue> OFFLOADED =
      MethodDescriptor.unary("pkg.Direct", "Offloaded", BytesValue.parser(), BytesValue.parser());

  @TempDir Path dir;
  private TtrpcServer server;
  private TtrpcClient client;

  @BeforeEach
  void start() throws Exception {
    server =
        TtrpcServer.builder()
            .addService(
                ServiceDefinition.builder("pkg.Direct")
                    .unaryDirect(WHERE, (ctx, req) -> bytes(describe(Thread.currentThread())))
                    .unaryDirect(
                        MISSING,
                        (ctx, req) -> {
                          throw new TtrpcException(StatusCode.NOT_FOUND, "no " + text(req));
                        })
                    .unary(OFFLOADED, (ctx, req) -> bytes(describe(Thread.currentThread())))
                    .build())
            .build()
            .start(dir.resolve("s.sock"));
    client = TtrpcClient.connect(dir.resolve("s.sock"));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static String describe(Thread t) {
    return (t.isVirtual() ? "virtual " : "platform ") + t.getName();
  }

  @Test
  void aDirectHandlerRunsOnTheServersIoThreadAndTheDefaultOnAVirtualThread() {
    String direct = text(client.call(WHERE, bytes("")));
    assertTrue(direct.startsWith("platform ttrpc-server"), direct);
    String offloaded = text(client.call(OFFLOADED, bytes("")));
    assertTrue(offloaded.startsWith("virtual ttrpc-handler-"), offloaded);
  }

  @Test
  void aDirectHandlersErrorReachesTheClientAndTheConnectionGoesOn() {
    TtrpcException e = assertThrows(TtrpcException.class, () -> client.call(MISSING, bytes("x")));
    assertEquals(StatusCode.NOT_FOUND, e.status().code());
    assertEquals("no x", e.status().message());
    assertFalse(text(client.call(WHERE, bytes(""))).isEmpty());
  }

  @Test
  void concurrentCallersOfADirectMethodEachGetTheirOwnAnswer() throws Exception {
    MethodDescriptor<BytesValue, BytesValue> echo =
        MethodDescriptor.unary("pkg.Echo", "Echo", BytesValue.parser(), BytesValue.parser());
    try (TtrpcServer echoes =
            TtrpcServer.builder()
                .addService(
                    ServiceDefinition.builder("pkg.Echo").unaryDirect(echo, (c, r) -> r).build())
                .build()
                .start(dir.resolve("echo.sock"));
        TtrpcClient c = TtrpcClient.connect(dir.resolve("echo.sock"));
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      var wrong = ConcurrentHashMap.<String>newKeySet();
      for (int t = 0; t < 16; t++) {
        int caller = t;
        done.add(
            callers.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    String sent = caller + "/" + i;
                    String got = text(c.call(echo, bytes(sent)));
                    if (!got.equals(sent)) {
                      wrong.add(sent + " -> " + got);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      assertTrue(wrong.isEmpty(), wrong.toString());
    }
  }

  @Test
  void onlyUnaryMethodsCanBeDirect() {
    var builder = ServiceDefinition.builder(TestService.NAME);
    assertThrows(
        IllegalArgumentException.class, () -> builder.unaryDirect(TestService.DOWN, (c, r) -> r));
  }
}
