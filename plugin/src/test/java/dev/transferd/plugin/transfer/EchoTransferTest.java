package dev.transferd.plugin.transfer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamCreator;
import dev.transferd.streams.StreamIds;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.TestData;
import dev.transferd.streams.bytestream.ByteStreamReceiver;
import dev.transferd.streams.bytestream.ByteStreamSender;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.UnaryHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Echo (import stream to export stream) end to end: the Java client API against the service. */
class EchoTransferTest {
  private StreamingFixture fixture;
  private TransferClient client;

  /** Export streams still registered at the moment each Transfer handler returned. */
  private final List<Integer> streamsLeftAtResponse = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    StreamManager manager = new StreamManager();
    ServerInterceptor watchResponses =
        new ServerInterceptor() {
          @Override
          public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
              throws Exception {
            try {
              return next.handle(context, request);
            } finally {
              streamsLeftAtResponse.add(manager.size());
            }
          }
        };
    fixture =
        StreamingFixture.start(
            manager,
            List.of(watchResponses),
            TransferService.definition(manager, TransferSettings.DEFAULTS));
    client = TransferClient.builder(fixture.client).namespace("default").build();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private byte[] echo(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(data)),
        ExportArchive.to(out),
        TransferOptions.withProgress(event -> {}));
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 32_767, 32_768, 32_769, 65_537, 3 << 20})
  void echoReturnsExactlyTheBytesSent(int size) throws Exception {
    byte[] data = TestData.bytes(size, size);
    assertEquals(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(echo(data))));
    fixture.awaitNoStreams();
  }

  @Test
  void everySideStreamHasEndedBeforeTheResponseIsSent() throws Exception {
    echo(TestData.bytes(1, 200_000));
    assertEquals(List.of(0), streamsLeftAtResponse, "streams registered when Transfer returned");
  }

  @Test
  void echoOf256MiBOverARealSocketKeepsItsChecksumWithASmallHeap() throws Exception {
    long size = 256L << 20;
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    TestData.DigestingOutputStream received = new TestData.DigestingOutputStream();
    try (InputStream in = new DigestInputStream(TestData.random(256, size), sent)) {
      client.transfer(ImportArchive.from(in), ExportArchive.to(received));
    }
    assertEquals(size, received.count());
    assertEquals(HexFormat.of().formatHex(sent.digest()), received.hex());
    assertTrue(
        Runtime.getRuntime().maxMemory() <= 300L << 20, "the test runs with a heap under 300 MiB");
  }

  @Test
  void widerByteStreamsOnTheClientWorkWithTheServersDefaults() throws Exception {
    TransferClient wide =
        TransferClient.builder(fixture.client)
            .byteStreams(new ByteStreamSettings(4 << 20, 1 << 20))
            .build();
    byte[] data = TestData.bytes(5, 5 << 20);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    wide.transfer(ImportArchive.from(new ByteArrayInputStream(data)), ExportArchive.to(out));
    assertTrue(java.util.Arrays.equals(data, out.toByteArray()));
  }

  @Test
  void wideWindowsOnBothEndsKeepTheFramingIntact() throws Exception {
    // Large frames fill the socket buffer, so writes are often partial while another thread
    // writes too: this once broke ttrpc's framing (a frame queued inside a partly written one).
    ByteStreamSettings wide = new ByteStreamSettings(256 << 10, 64 << 10);
    StreamManager manager = new StreamManager();
    try (StreamingFixture wideServer =
        StreamingFixture.start(
            manager,
            TransferService.definition(manager, TransferSettings.DEFAULTS.withByteStreams(wide)))) {
      TransferClient wideClient =
          TransferClient.builder(wideServer.client).byteStreams(wide).build();
      for (int i = 0; i < 3; i++) {
        long size = 48L << 20;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        TestData.DigestingOutputStream received = new TestData.DigestingOutputStream();
        wideClient.transfer(
            ImportArchive.from(new DigestInputStream(TestData.random(i, size), sent)),
            ExportArchive.to(received));
        assertEquals(HexFormat.of().formatHex(sent.digest()), received.hex());
      }
    }
  }

  @Test
  void anImportThatFailsHalfwayFailsTheTransferWithTheCallersException() throws Exception {
    IOException diskError = new IOException("disk read error");
    InputStream failing = new BreakingInputStream(TestData.random(3, 100_000), diskError);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    IOException e =
        assertThrows(
            IOException.class,
            () -> client.transfer(ImportArchive.from(failing), ExportArchive.to(out)));
    assertSame(diskError, e);
    TtrpcException server = assertInstanceOf(TtrpcException.class, e.getSuppressed()[0]);
    assertEquals(StatusCode.ABORTED, server.code(), "the server saw a failure, not an end");
    assertTrue(server.getMessage().contains("disk read error"), server.getMessage());
    assertTrue(out.size() <= 100_000);
    fixture.awaitNoStreams();
  }

  @Test
  void anExportWriterThatFailsFailsTheTransferWithTheCallersException() throws Exception {
    IOException full = new IOException("no space left on device");
    OutputStream failing =
        new OutputStream() {
          private long written;

          @Override
          public void write(int b) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            written += len;
            if (written > 500_000) {
              throw full;
            }
          }
        };
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                client.transfer(
                    ImportArchive.from(TestData.random(4, 50L << 20)), ExportArchive.to(failing)));
    assertSame(full, e);
    fixture.awaitNoStreams();
  }

  @Test
  void aClientThatCancelsStopsTheServersWork() throws Exception {
    PipedOutputStream never = new PipedOutputStream();
    PipedInputStream stalled = new PipedInputStream(never); // data that never comes
    never.write(new byte[1000]);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    client.transfer(
                        ImportArchive.from(stalled),
                        ExportArchive.to(OutputStream.nullOutputStream()));
                    outcome.complete(null);
                  } catch (Throwable t) {
                    outcome.complete(t);
                  }
                });
    // Two streams and the Transfer call; never more, as the stalled import holds them all.
    await().atMost(Duration.ofSeconds(10)).until(() -> fixture.server.activeCalls() == 3);
    caller.interrupt();
    Throwable t = outcome.get(10, TimeUnit.SECONDS);
    assertTrue(
        t instanceof TtrpcException e && e.code() == StatusCode.CANCELLED
            || t instanceof java.io.InterruptedIOException,
        () -> "unexpected " + t);
    fixture.awaitNoStreams();
    // The echo handler has stopped too.
    await().atMost(Duration.ofSeconds(5)).until(() -> fixture.server.activeCalls() == 0);
  }

  @Test
  void goStyleStreamsWithoutNamespaceServeANamespacedTransfer() throws Exception {
    // Go's ttrpc client sends no metadata on streams; its unary Transfer call has the namespace.
    StreamCreator goStreams = new StreamCreator(fixture.client, "");
    AnyStream importStream = goStreams.create(StreamIds.IMPORT);
    AnyStream exportStream = goStreams.create(StreamIds.EXPORT);
    ByteStreamReceiver exported =
        ByteStreamReceiver.start(exportStream, ByteStreamSettings.CONTAINERD);
    byte[] data = TestData.bytes(8, 150_000);
    Thread.ofVirtual()
        .start(
            () -> {
              try (ByteStreamSender out =
                  ByteStreamSender.start(importStream, ByteStreamSettings.CONTAINERD)) {
                out.write(data);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    CompletableFuture<byte[]> received =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return exported.readAllBytes();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    TransferRequest request =
        TransferRequest.newBuilder()
            .setSource(
                AnyCodec.pack(ImageImportStream.newBuilder().setStream(importStream.id()).build()))
            .setDestination(
                AnyCodec.pack(ImageExportStream.newBuilder().setStream(exportStream.id()).build()))
            .build();
    fixture.client.call(
        StreamingProtocol.TRANSFER,
        request,
        CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default"));
    assertTrue(java.util.Arrays.equals(data, received.get(10, TimeUnit.SECONDS)));
  }

  @Test
  void manyEchoesRunConcurrentlyOnOneConnection() throws Exception {
    List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      int seed = i;
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  byte[] data = TestData.bytes(seed, 300_000 + seed);
                  assertTrue(java.util.Arrays.equals(data, echo(data)));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              r -> Thread.ofVirtual().start(r)));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    fixture.awaitNoStreams();
  }
}
