package dev.transferd.streams.bytestream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamCreator;
import dev.transferd.streams.StreamIds;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.TestData;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte streams end to end over a real socket, in both directions. */
class ByteStreamTest {
  private static final String NS = "default";
  private static StreamingFixture fixture;

  /** Who sends: the client (an import) or the server (an export). */
  enum Direction {
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT
  }

  /** The two ends of one fresh stream, by role. */
  record Ends(AnyStream sender, AnyStream receiver, AnyStream clientEnd, AnyStream serverEnd) {}

  @BeforeAll
  static void start() throws Exception {
    fixture = StreamingFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static Ends open(Direction direction, StreamCreator creator) throws Exception {
    boolean imports = direction == Direction.CLIENT_TO_SERVER;
    AnyStream client = creator.create(imports ? StreamIds.IMPORT : StreamIds.EXPORT);
    AnyStream server = fixture.manager.get(NS, client.id());
    return imports
        ? new Ends(client, server, client, server)
        : new Ends(server, client, client, server);
  }

  private static Ends open(Direction direction) throws Exception {
    return open(direction, fixture.creator(NS));
  }

  /** Sends {@code size} random bytes in writes of random length, then closes. */
  private static CompletableFuture<Void> send(
      AnyStream end, ByteStreamSettings settings, long seed, long size, int maxWrite) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              SplittableRandom lengths = new SplittableRandom(seed ^ 0x5eed);
              byte[] buffer = new byte[maxWrite];
              try (InputStream in = TestData.random(seed, size);
                  ByteStreamSender out = ByteStreamSender.start(end, settings)) {
                int n;
                while ((n = in.read(buffer, 0, 1 + lengths.nextInt(maxWrite))) >= 0) {
                  out.write(buffer, 0, n);
                }
                done.complete(null);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            });
    return done;
  }

  private static void transferAndCompare(
      Direction direction, ByteStreamSettings settings, long seed, long size, int maxIo)
      throws Exception {
    Ends ends = open(direction);
    ByteStreamReceiver in = ByteStreamReceiver.start(ends.receiver(), settings);
    CompletableFuture<Void> sending = send(ends.sender(), settings, seed, size, maxIo);
    TestData.DigestingOutputStream received = new TestData.DigestingOutputStream();
    SplittableRandom lengths = new SplittableRandom(seed);
    byte[] buffer = new byte[maxIo];
    int n;
    while ((n = in.read(buffer, 0, 1 + lengths.nextInt(maxIo))) >= 0) {
      received.write(buffer, 0, n);
    }
    in.close();
    sending.get(30, TimeUnit.SECONDS);
    assertEquals(size, received.count(), "bytes received");
    assertEquals(TestData.sha256(seed, size), received.hex(), "content");
  }

  static Stream<Arguments> sizes() {
    List<Arguments> cases = new ArrayList<>();
    for (Direction d : Direction.values()) {
      for (long size : new long[] {0, 1, 32_767, 32_768, 32_769, 65_536, 65_537, 6 << 20}) {
        cases.add(Arguments.of(d, size));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1} bytes")
  @MethodSource("sizes")
  void everyByteArrivesInOrderAndTheEndReadsAsEndOfFile(Direction direction, long size)
      throws Exception {
    transferAndCompare(direction, ByteStreamSettings.CONTAINERD, size, size, 100_000);
    fixture.awaitNoStreams();
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void randomSizesWithRandomWriteAndReadLengthsArriveIntact(Direction direction) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 12; i++) {
      long size = random.nextInt(400_000);
      transferAndCompare(
          direction,
          ByteStreamSettings.CONTAINERD,
          random.nextLong(),
          size,
          1 + random.nextInt(70_000));
    }
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void widerWindowsAndChunksCarryTheSameBytes(Direction direction) throws Exception {
    transferAndCompare(direction, new ByteStreamSettings(1 << 20, 256 << 10), 7, 8 << 20, 300_000);
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void aSlowReaderGetsEveryByteWhileTheSenderStaysWithinThreeWindows(Direction direction)
      throws Exception {
    Ends ends = open(direction);
    ByteStreamSettings settings = ByteStreamSettings.CONTAINERD;
    ByteStreamReceiver in = ByteStreamReceiver.start(ends.receiver(), settings);
    long size = 400_000;
    AtomicLong read = new AtomicLong();
    AtomicLong worstLead = new AtomicLong();
    CompletableFuture<Void> sending = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] data = TestData.bytes(3, (int) size);
              try (ByteStreamSender out = ByteStreamSender.start(ends.sender(), settings)) {
                for (int off = 0; off < data.length; off += 1000) {
                  out.write(data, off, Math.min(1000, data.length - off));
                  worstLead.accumulateAndGet(out.bytesSent() - read.get(), Math::max);
                }
                sending.complete(null);
              } catch (Throwable t) {
                sending.completeExceptionally(t);
              }
            });
    byte[] buffer = new byte[8192];
    TestData.DigestingOutputStream received = new TestData.DigestingOutputStream();
    int n;
    while ((n = in.read(buffer)) >= 0) {
      received.write(buffer, 0, n);
      read.addAndGet(n);
      Thread.sleep(3);
    }
    sending.get(30, TimeUnit.SECONDS);
    assertEquals(TestData.sha256(3, size), received.hex());
    // In flight: at most two windows of credit; arrived but unread: at most one window plus the
    // message that stopped arrivals, and the chunk being read.
    long bound = 3L * settings.window() + 2L * settings.maxChunk();
    assertTrue(
        worstLead.get() <= bound,
        "sender ran " + worstLead.get() + " bytes ahead of the reader (bound " + bound + ")");
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void aSenderThatFailsHalfwayIsAnErrorForTheReaderNotAnEnd(Direction direction) throws Exception {
    Ends ends = open(direction);
    ByteStreamReceiver in =
        ByteStreamReceiver.start(ends.receiver(), ByteStreamSettings.CONTAINERD);
    byte[] half = TestData.bytes(5, 100_000);
    Thread.ofVirtual()
        .start(
            () -> {
              ByteStreamSender out =
                  ByteStreamSender.start(ends.sender(), ByteStreamSettings.CONTAINERD);
              try {
                out.write(half);
                out.flush();
              } catch (IOException e) {
                throw new AssertionError(e);
              }
              out.abort(new IOException("disk read error"));
            });
    byte[] got = new byte[half.length];
    int off = 0;
    while (off < got.length) {
      off += in.read(got, off, got.length - off);
    }
    assertArrayEquals(half, got, "what was sent before the failure arrives");
    StreamAbortedException e = assertThrows(StreamAbortedException.class, () -> in.read());
    assertEquals(StatusCode.ABORTED, e.code());
    assertTrue(e.getMessage().contains("disk read error"), e.getMessage());
    fixture.awaitNoStreams();
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void aReceiverThatStopsEarlyStopsTheSender(Direction direction) throws Exception {
    Ends ends = open(direction);
    ByteStreamReceiver in =
        ByteStreamReceiver.start(ends.receiver(), ByteStreamSettings.CONTAINERD);
    CompletableFuture<Void> sending =
        send(ends.sender(), ByteStreamSettings.CONTAINERD, 9, 50L << 20, 65536);
    in.readNBytes(10_000);
    in.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> sending.get(10, TimeUnit.SECONDS));
    StreamAbortedException aborted = assertInstanceOf(StreamAbortedException.class, e.getCause());
    assertEquals(StatusCode.CANCELLED, aborted.code());
    fixture.awaitNoStreams();
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void aClientThatGoesAwayFailsTheServersEndRatherThanEndingIt(Direction direction)
      throws Exception {
    TtrpcClient other = fixture.newClient();
    Ends ends = open(direction, new StreamCreator(other, NS));
    if (direction == Direction.CLIENT_TO_SERVER) {
      ByteStreamReceiver in =
          ByteStreamReceiver.start(ends.serverEnd(), ByteStreamSettings.CONTAINERD);
      send(ends.clientEnd(), ByteStreamSettings.CONTAINERD, 1, 50L << 20, 65536);
      in.readNBytes(100_000);
      other.close();
      StreamAbortedException e =
          assertThrows(
              StreamAbortedException.class,
              () -> in.transferTo(java.io.OutputStream.nullOutputStream()));
      assertEquals(StatusCode.CANCELLED, e.code());
    } else {
      ByteStreamReceiver.start(ends.clientEnd(), ByteStreamSettings.CONTAINERD);
      ByteStreamSender out =
          ByteStreamSender.start(ends.serverEnd(), ByteStreamSettings.CONTAINERD);
      out.write(new byte[40_000]); // within the first window
      out.flush();
      other.close();
      StreamAbortedException e =
          assertThrows(
              StreamAbortedException.class,
              () -> {
                for (int i = 0; i < 1000; i++) {
                  out.write(new byte[65536]);
                }
              });
      assertEquals(StatusCode.CANCELLED, e.code());
    }
    fixture.awaitNoStreams();
  }

  @Test
  void aWriterWaitingForCreditStopsWhenInterrupted() throws Exception {
    Ends ends = open(Direction.SERVER_TO_CLIENT);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  ByteStreamSender out =
                      ByteStreamSender.start(ends.sender(), ByteStreamSettings.CONTAINERD);
                  try {
                    out.write(new byte[10]);
                    out.flush(); // nobody grants credit
                    outcome.complete(null);
                  } catch (Throwable t) {
                    out.abort(t);
                    outcome.complete(t);
                  }
                });
    Thread.sleep(100);
    writer.interrupt();
    assertInstanceOf(InterruptedIOException.class, outcome.get(5, TimeUnit.SECONDS));
    ByteStreamReceiver in =
        ByteStreamReceiver.start(ends.receiver(), ByteStreamSettings.CONTAINERD);
    assertEquals(StatusCode.ABORTED, assertThrows(StreamAbortedException.class, in::read).code());
  }

  @Test
  void fiftyConcurrentStreamsShareOneConnection() throws Exception {
    TtrpcClient shared = fixture.newClient();
    StreamCreator creator = new StreamCreator(shared, NS);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int stream = i;
      Direction direction = Direction.values()[i % 2];
      CompletableFuture<Void> done = new CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  Ends ends = open(direction, creator);
                  ByteStreamReceiver in =
                      ByteStreamReceiver.start(ends.receiver(), ByteStreamSettings.CONTAINERD);
                  long size = 1_000_000 + stream * 7919L;
                  CompletableFuture<Void> sending =
                      send(ends.sender(), ByteStreamSettings.CONTAINERD, stream, size, 50_000);
                  assertEquals(TestData.sha256(stream, size), TestData.sha256(in, 30_000));
                  sending.get(60, TimeUnit.SECONDS);
                  done.complete(null);
                } catch (Throwable t) {
                  done.completeExceptionally(t);
                }
              });
      all.add(done);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    fixture.awaitNoStreams();
  }
}
