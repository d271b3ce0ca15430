package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientInterceptor;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transferd as its own process, seen from outside: the transfer log line (bytes, outcome, the
 * client's trace id) and the Prometheus endpoint scraped after transfers.
 */
class ObservabilityProcessTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  @TempDir Path dir;
  private DaemonProcess transferd;

  @AfterEach
  void stop() throws Exception {
    if (transferd != null) {
      transferd.close();
    }
  }

  private Path start(String... flags) throws Exception {
    Path socket = dir.resolve("t.sock");
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--root", dir.resolve("root").toString()));
    args.addAll(List.of("--address", socket.toString()));
    args.addAll(List.of(flags));
    transferd = DaemonProcess.start(socket, dir.resolve("transferd.log"), args);
    return transferd.socket;
  }

  /** Sends {@code traceparent} with every call and stream, as containerd's otelttrpc does. */
  private static ClientInterceptor traceparent(String value) {
    return new ClientInterceptor() {
      @Override
      public <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
          R interceptUnary(
              MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker next) {
        return next.invoke(method, request, options.withMetadata("traceparent", value));
      }

      @Override
      public <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
          ClientStream<Q, R> interceptStream(
              MethodDescriptor<Q, R> method, Q request, CallOptions options, StreamOpener next) {
        return next.open(method, request, options.withMetadata("traceparent", value));
      }
    };
  }

  private static String scrape(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals(
        "text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").get());
    return r.body();
  }

  @Test
  void theTransferLineHasBytesOutcomeAndTheClientsTraceIdAndMetricsCountIt() throws Exception {
    Path socket = start("--metrics-address", "127.0.0.1:0");
    String url = transferd.awaitLine("metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)").group(1);
    byte[] data = new byte[300_000];
    new java.util.Random(3).nextBytes(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TtrpcClient client =
        TtrpcClient.builder(socket).interceptor(traceparent(TRACEPARENT)).build()) {
      TransferClient.builder(client)
          .build()
          .transfer(ImportArchive.from(new ByteArrayInputStream(data)), ExportArchive.to(out));
    }
    assertEquals(data.length, out.size());
    // 300 000 bytes in on the import stream and the same out on the export stream
    String line =
        transferd.awaitLine("transfer echo ImageImportStream -> ImageExportStream .*\\n").group();
    assertTrue(line.contains(" outcome=OK bytes=600000 duration="), line);
    assertTrue(line.endsWith(" trace_id=" + TRACE_ID + "\n"), line);

    String metrics = scrape(url);
    assertTrue(
        metrics.contains("transferd_transfers_total{operation=\"echo\",outcome=\"OK\"} 1\n"),
        metrics);
    assertTrue(
        metrics.contains("transferd_transfer_bytes_total{operation=\"echo\"} 600000\n"), metrics);
    assertTrue(
        metrics.contains(
            "transferd_transfer_duration_seconds_bucket{operation=\"echo\",le=\"+Inf\"} 1\n"),
        metrics);
    assertTrue(
        metrics.contains("transferd_transfer_duration_seconds_count{operation=\"echo\"} 1\n"),
        metrics);
    assertTrue(metrics.contains("transferd_open_streams 0\n"), metrics);
  }

  @Test
  void aFailedPullIsLoggedWithItsErrorAndCountedWithTheRegistrysAnswers() throws Exception {
    try (TestRegistry registry = TestRegistry.plain(dir.resolve("registry"))) {
      Path socket = start("--metrics-address", "127.0.0.1:0");
      String url = transferd.awaitLine("metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)").group(1);
      String ref = registry.host() + "/nothing/here:1";
      try (TtrpcClient client = TtrpcClient.connect(socket)) {
        TtrpcException e =
            assertThrows(
                TtrpcException.class,
                () ->
                    TransferClient.builder(client)
                        .build()
                        .transfer(
                            RegistryImage.of(ref).withDefaultScheme("http"),
                            StoredImage.named("x:1")));
        assertEquals(dev.transferd.ttrpc.StatusCode.NOT_FOUND, e.code());
      }
      String line =
          transferd.awaitLine("WARN .*transfer pull OCIRegistry -> ImageStore .*\\n").group();
      assertTrue(line.contains("outcome=NOT_FOUND bytes=0 duration="), line);
      assertTrue(line.contains(" error=\""), line);
      assertTrue(!line.contains("trace_id="), "no traceparent was sent: " + line);

      String metrics = scrape(url);
      assertTrue(
          metrics.contains(
              "transferd_transfers_total{operation=\"pull\",outcome=\"NOT_FOUND\"} 1\n"),
          metrics);
      assertTrue(
          metrics.contains(
              "transferd_registry_requests_total{host=\"" + registry.host() + "\",status=\"404\"}"),
          metrics);
    }
  }
}
