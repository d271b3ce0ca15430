package dev.transferd.streams.bytestream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.Data;
import dev.transferd.proto.types.transfer.WindowUpdate;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.TestData;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credit behaviour checked message by message against docs/protocol/transfer.md §5: a raw peer
 * drives one end of a Streaming call and asserts every {@code Any} the other end (ours) sends.
 */
class CreditProtocolTest {
  private static final String NS = "default";
  private static final Any END = Any.newBuilder().setTypeUrl("test.End").build();
  private static final Duration QUIET = Duration.ofMillis(150);

  private StreamingFixture fixture;
  private ClientStream<Any, Any> raw;
  private final BlockingQueue<Any> fromServer = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    fixture = StreamingFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  /** Opens a raw Streaming call as client; returns the server's end of it. */
  private AnyStream openRaw(String id) {
    raw =
        fixture.client.openStream(
            StreamingProtocol.STREAM,
            CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, NS));
    raw.send(StreamingProtocol.init(id));
    assertEquals(StreamingProtocol.ACK_TYPE, raw.receive().getTypeUrl());
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Any m;
                while ((m = raw.receive()) != null) {
                  fromServer.add(m);
                }
                fromServer.add(END);
              } catch (RuntimeException e) {
                fromServer.add(AnyCodec.pack(com.google.protobuf.StringValue.of(e.toString())));
              }
            });
    return fixture.manager.get(NS, id);
  }

  private Any next() throws InterruptedException {
    Any m = fromServer.poll(5, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("the server sent nothing within 5 s");
    }
    return m;
  }

  private void expectQuiet() throws InterruptedException {
    Any m = fromServer.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS);
    assertNull(m, () -> "expected nothing, got " + m);
  }

  private void expectWindowUpdate(int credit) throws Exception {
    Any m = next();
    assertEquals("containerd.types.transfer.WindowUpdate", m.getTypeUrl(), "exact type URL");
    assertEquals(credit, WindowUpdate.parseFrom(m.getValue()).getUpdate());
  }

  private static Any data(int size, long seed) {
    return AnyCodec.pack(
        Data.newBuilder().setData(ByteString.copyFrom(TestData.bytes(seed, size))).build());
  }

  private static Any windowUpdate(int credit) {
    return AnyCodec.pack(WindowUpdate.newBuilder().setUpdate(credit).build());
  }

  /** Reads Data messages totalling exactly {@code bytes} from {@code next}, each within limits. */
  private interface Source {
    Any next() throws Exception;
  }

  private static byte[] expectData(Source source, int bytes) throws Exception {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (got.size() < bytes) {
      Any m = source.next();
      assertEquals("containerd.types.transfer.Data", m.getTypeUrl(), "exact type URL");
      ByteString chunk = Data.parseFrom(m.getValue()).getData();
      assertTrue(chunk.size() > 0, "no empty Data");
      assertTrue(chunk.size() <= 32_768, "Data of " + chunk.size() + " bytes exceeds 32 KiB");
      chunk.writeTo(got);
      assertTrue(got.size() <= bytes, "sent " + got.size() + " bytes on " + bytes + " of credit");
    }
    return got.toByteArray();
  }

  @Test
  void theServersReceiverGrantsOneWindowAtOnceThenAgainOnlyBelowOneWindow() throws Exception {
    AnyStream server = openRaw("import-1");
    expectQuiet(); // nothing before the receiver starts
    ByteStreamReceiver in = ByteStreamReceiver.start(server, ByteStreamSettings.CONTAINERD);
    expectWindowUpdate(65_536); // at once, before any data
    CompletableFuture<Long> read =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return in.transferTo(java.io.OutputStream.nullOutputStream());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    expectQuiet();

    raw.send(data(32_768, 1)); // outstanding 32,768 < 65,536: grant
    expectWindowUpdate(65_536);
    raw.send(data(1, 2)); // 98,303: no grant
    expectQuiet();
    raw.send(data(32_767, 3)); // 65,536: still no grant
    expectQuiet();
    raw.send(data(1, 4)); // 65,535: grant
    expectWindowUpdate(65_536);
    expectQuiet();

    raw.closeSend(); // end of data
    assertSame(END, next(), "the server ends the call OK once its reader saw the end");
    assertEquals(32_768 + 1 + 32_767 + 1, read.get(5, TimeUnit.SECONDS));
    fixture.awaitNoStreams();
  }

  @Test
  void aReceiverAcceptsADataChunkUpToTheFrameLimit() throws Exception {
    AnyStream server = openRaw("import-2");
    ByteStreamReceiver in = ByteStreamReceiver.start(server, ByteStreamSettings.CONTAINERD);
    expectWindowUpdate(65_536);
    int size = ByteStreamSettings.MAX_CHUNK_LIMIT;
    raw.send(data(size, 9));
    raw.closeSend();
    assertArrayEquals(TestData.bytes(9, size), in.readAllBytes());
  }

  @Test
  void theServersSenderSendsNothingBeforeCreditAndNeverMoreThanGranted() throws Exception {
    AnyStream server = openRaw("export-1");
    byte[] payload = TestData.bytes(11, 200_000);
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              try (ByteStreamSender out =
                  ByteStreamSender.start(server, ByteStreamSettings.CONTAINERD)) {
                out.write(payload);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    expectQuiet(); // no credit yet
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int[] grants = {1_000, 1, 100_000, 7};
    for (int credit : grants) {
      raw.send(windowUpdate(credit));
      got.write(expectData(this::next, credit));
      expectQuiet();
    }
    raw.send(windowUpdate(Integer.MAX_VALUE)); // any credit size is taken as given
    got.write(expectData(this::next, payload.length - got.size()));
    assertSame(END, next(), "close ends the call OK: the end of data");
    writing.get(5, TimeUnit.SECONDS);
    assertArrayEquals(payload, got.toByteArray());
  }

  @Test
  void theClientsSenderWaitsForTheFirstGrantAndStaysWithinCredit() throws Exception {
    AnyStream client = fixture.creator(NS).create("import");
    AnyStream server = fixture.manager.get(NS, client.id());
    byte[] payload = TestData.bytes(12, 100_000);
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              try (ByteStreamSender out =
                  ByteStreamSender.start(client, ByteStreamSettings.CONTAINERD)) {
                out.write(payload);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThrows(TimeoutException.class, () -> server.receive(QUIET));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int credit : new int[] {40_000, 60_000}) {
      server.send(windowUpdate(credit));
      got.write(expectData(() -> server.receive(Duration.ofSeconds(5)), credit));
    }
    assertNull(server.receive(Duration.ofSeconds(5)), "closeSend is the end of data");
    writing.get(5, TimeUnit.SECONDS);
    assertArrayEquals(payload, got.toByteArray());
  }

  @Test
  void theClientsExportReceiverGrantsFirstBeforeTheServerSendsAnything() throws Exception {
    AnyStream client = fixture.creator(NS).create("export");
    AnyStream server = fixture.manager.get(NS, client.id());
    ByteStreamReceiver.start(client, ByteStreamSettings.CONTAINERD);
    Any first = server.receive(Duration.ofSeconds(5));
    assertEquals("containerd.types.transfer.WindowUpdate", first.getTypeUrl());
    assertEquals(65_536, WindowUpdate.parseFrom(first.getValue()).getUpdate());
    assertThrows(TimeoutException.class, () -> server.receive(QUIET), "one grant, no more");
  }

  @Test
  void aWiderReceiverGrantsItsOwnWindowSize() throws Exception {
    AnyStream server = openRaw("import-3");
    ByteStreamReceiver.start(server, new ByteStreamSettings(1 << 20, 256 << 10));
    expectWindowUpdate(1 << 20);
  }
}
