package dev.transferd.ttrpc;

import static dev.transferd.ttrpc.TestService.bytes;
import static dev.transferd.ttrpc.TestService.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BytesValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Push delivery ({@link StreamListener}) on both ends over a real unix socket: order with messages
 * queued before the listener, refusal and resume, a listener that never resumes, endings, and sends
 * made from the listener itself on the I/O thread.
 */
class StreamListenerTest {
  private static final String NAME = "pkg.Listen";

  /** Bidi: the handler waits for {@code go}, listens, and answers with every message joined. */
  private static final MethodDescriptor<BytesValue, BytesValue> COLLECT =
      MethodDescriptor.bidiStreaming(NAME, "Collect", BytesValue.parser(), BytesValue.parser());

  /** Bidi: the listener takes at most 3 unread messages; the handler reads them slowly. */
  private static final MethodDescriptor<BytesValue, BytesValue> SLOW =
      MethodDescriptor.bidiStreaming(NAME, "Slow", BytesValue.parser(), BytesValue.parser());

  /** Bidi: the listener refuses everything and never resumes. */
  private static final MethodDescriptor<BytesValue, BytesValue> REFUSE =
      MethodDescriptor.bidiStreaming(NAME, "Refuse", BytesValue.parser(), BytesValue.parser());

  /** Bidi: echoes each message from the listener, on the I/O thread. */
  private static final MethodDescriptor<BytesValue, BytesValue> ECHO =
      MethodDescriptor.bidiStreaming(NAME, "Echo", BytesValue.parser(), BytesValue.parser());

  private static final BytesValue END = bytes("<end>");

  /** A lost resume or ending fails the test with DEADLINE_EXCEEDED instead of hanging it. */
  private static final CallOptions IN_TIME =
      CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20));

  private final CountDownLatch go = new CountDownLatch(1);
  private final CompletableFuture<Status> refusedEnding = new CompletableFuture<>();
  private Path dir;
  private TtrpcServer server;
  private TtrpcClient client;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("ttrpc-listener");
    Path socket = dir.resolve("s.sock");
    server =
        TtrpcServer.builder()
            .addService(definition())
            .streamQueueGrace(Duration.ofMillis(300))
            .build()
            .start(socket);
    client = TtrpcClient.connect(socket);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private ServiceDefinition definition() {
    return ServiceDefinition.builder(NAME).stream(
            COLLECT,
            (ctx, stream) -> {
              go.await();
              LinkedBlockingQueue<BytesValue> got = new LinkedBlockingQueue<>();
              stream.listen(queueing(got));
              StringBuilder all = new StringBuilder();
              BytesValue m;
              while ((m = got.take()) != END) {
                all.append(text(m)).append(' ');
              }
              stream.send(bytes(all.toString().trim()));
              return null;
            })
        .stream(
            SLOW,
            (ctx, stream) -> {
              LinkedBlockingQueue<BytesValue> got = new LinkedBlockingQueue<>();
              AtomicReference<StreamListener.Delivery> delivery = new AtomicReference<>();
              StreamListener<BytesValue> bounded =
                  new StreamListener<>() {
                    @Override
                    public boolean onMessage(BytesValue message) {
                      if (got.size() >= 3) {
                        return false;
                      }
                      got.add(message);
                      return true;
                    }

                    @Override
                    public void onEnd(Status status) {
                      got.add(END);
                    }
                  };
              delivery.set(stream.listen(bounded));
              int count = 0;
              StringBuilder order = new StringBuilder();
              BytesValue m;
              while ((m = got.take()) != END) {
                Thread.sleep(2);
                order.append(text(m)).append(' ');
                count++;
                delivery.get().resume();
              }
              stream.send(bytes(count + ": " + order.toString().trim()));
              return null;
            })
        .stream(
            REFUSE,
            (ctx, stream) -> {
              stream.listen(
                  new StreamListener<>() {
                    @Override
                    public boolean onMessage(BytesValue message) {
                      return false;
                    }

                    @Override
                    public void onEnd(Status status) {
                      refusedEnding.complete(status);
                    }
                  });
              refusedEnding.join();
              throw refusedEnding.join().asException();
            })
        .stream(
            ECHO,
            (ctx, stream) -> {
              CompletableFuture<Status> ended = new CompletableFuture<>();
              stream.listen(
                  new StreamListener<>() {
                    @Override
                    public boolean onMessage(BytesValue message) {
                      stream.send(message); // on the I/O thread
                      return true;
                    }

                    @Override
                    public void onEnd(Status status) {
                      ended.complete(status);
                    }
                  });
              ended.join();
              return null;
            })
        .build();
  }

  private static StreamListener<BytesValue> queueing(LinkedBlockingQueue<BytesValue> got) {
    return new StreamListener<>() {
      @Override
      public boolean onMessage(BytesValue message) {
        got.add(message);
        return true;
      }

      @Override
      public void onEnd(Status status) {
        got.add(status.isOk() ? END : bytes("failed: " + status));
      }
    };
  }

  @Test
  void listenerGetsMessagesQueuedBeforeItThenLaterOnesInOrderThenTheEnd() {
    var call = client.openStream(COLLECT, IN_TIME);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      call.send(bytes("m" + i)); // queued: the handler is not listening yet
      expected.append("m").append(i).append(' ');
    }
    go.countDown();
    for (int i = 10; i < 40; i++) {
      call.send(bytes("m" + i));
      expected.append("m").append(i).append(' ');
    }
    call.closeSend();
    assertEquals(expected.toString().trim(), text(call.receive()));
    assertNull(call.receive());
  }

  @Test
  void refusedMessagesWaitForResumeAndKeepTheirOrder() {
    var call = client.openStream(SLOW, IN_TIME);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      call.send(bytes("m" + i));
      expected.append("m").append(i).append(' ');
    }
    call.closeSend();
    assertEquals("50: " + expected.toString().trim(), text(call.receive()));
  }

  @Test
  void listenerThatNeverResumesFailsOnlyItsStreamAfterTheGrace() throws Exception {
    var call = client.openStream(REFUSE, IN_TIME);
    for (int i = 0; i < 200; i++) {
      try {
        call.send(bytes("flood " + i));
      } catch (TtrpcException e) {
        break; // the server already failed the stream
      }
    }
    TtrpcException e = assertThrows(TtrpcException.class, call::receive);
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, refusedEnding.get(5, TimeUnit.SECONDS).code());
    var echo = client.openStream(ECHO, CallOptions.DEFAULT);
    echo.send(bytes("still reading"));
    assertEquals("still reading", text(echo.receive()));
    echo.closeSend();
  }

  @Test
  void clientListenerSeesTheServersMessagesThenItsErrorStatus() throws Exception {
    ServiceDefinition stop =
        ServiceDefinition.builder("pkg.Stop").stream(
                MethodDescriptor.serverStreaming(
                    "pkg.Stop", "Stop", BytesValue.parser(), BytesValue.parser()),
                (ctx, stream) -> {
                  stream.send(bytes("a"));
                  stream.send(bytes("b"));
                  throw new TtrpcException(StatusCode.ABORTED, "stop");
                })
            .build();
    Path socket = dir.resolve("stop.sock");
    try (TtrpcServer other = TtrpcServer.builder().addService(stop).build().start(socket);
        TtrpcClient otherClient = TtrpcClient.connect(socket)) {
      var call =
          otherClient.openStream(
              MethodDescriptor.serverStreaming(
                  "pkg.Stop", "Stop", BytesValue.parser(), BytesValue.parser()),
              bytes(""),
              CallOptions.DEFAULT);
      LinkedBlockingQueue<BytesValue> got = new LinkedBlockingQueue<>();
      call.listen(queueing(got));
      assertEquals("a", text(got.poll(5, TimeUnit.SECONDS)));
      assertEquals("b", text(got.poll(5, TimeUnit.SECONDS)));
      String ending = text(got.poll(5, TimeUnit.SECONDS));
      assertTrue(ending.contains("ABORTED") && ending.contains("stop"), ending);
      assertThrows(IllegalStateException.class, call::receive);
    }
  }

  @Test
  void listenersOnBothEndsPingPongFromTheIoThreads() throws Exception {
    var call = client.openStream(ECHO, CallOptions.DEFAULT);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    List<String> seen = new ArrayList<>();
    call.listen(
        new StreamListener<>() {
          @Override
          public boolean onMessage(BytesValue message) {
            int n = Integer.parseInt(text(message));
            seen.add(text(message));
            if (n == 2000) {
              call.closeSend();
              done.complete(n);
            } else {
              call.send(bytes(Integer.toString(n + 1))); // on the client's I/O thread
            }
            return true;
          }

          @Override
          public void onEnd(Status status) {
            if (!status.isOk()) {
              done.completeExceptionally(status.asException());
            }
          }
        });
    call.send(bytes("0"));
    assertEquals(2000, done.get(30, TimeUnit.SECONDS));
    assertEquals(2001, seen.size());
  }
}
