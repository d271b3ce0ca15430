package dev.transferd.it.bench;

import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import dev.transferd.it.bench.BenchSupport.Phases;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The Java ttrpc client of the benchmark, in its own process. Prints one result line (see {@link
 * BenchSupport#printResult}).
 *
 * <pre>
 * BenchClient unary  SOCKET PAYLOAD CONCURRENCY WARMUP_S SECONDS [platform|virtual]
 * BenchClient stream SOCKET MIB_PER_CALL WARMUP_S SECONDS
 * </pre>
 *
 * <p>{@code unary}: CONCURRENCY callers share one connection, each making Echo calls back to back;
 * every call started after the warm-up and finished before the end is timed. With one caller that
 * is the sequential round trip; with many, pipelined calls per second. {@code stream}: repeated
 * Download calls of MIB_PER_CALL 1 MiB messages; payload bytes received in the window per second.
 */
public final class BenchClient {
  private BenchClient() {}

  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "unary" ->
          unary(
              Path.of(args[1]),
              Integer.parseInt(args[2]),
              Integer.parseInt(args[3]),
              Phases.of(Double.parseDouble(args[4]), Double.parseDouble(args[5])),
              args.length > 6 && args[6].equals("virtual"));
      case "stream" ->
          stream(
              Path.of(args[1]),
              Integer.parseInt(args[2]),
              Phases.of(Double.parseDouble(args[3]), Double.parseDouble(args[4])));
      default -> {
        System.err.println("usage: BenchClient unary|stream ... (see the class comment)");
        System.exit(2);
      }
    }
  }

  private static void unary(
      Path socket, int payload, int concurrency, Phases phases, boolean virtual) throws Exception {
    BytesValue request = BenchSupport.bytesValue(payload);
    try (TtrpcClient client = TtrpcClient.connect(socket)) {
      List<Histogram> histograms = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      AtomicLong failures = new AtomicLong();
      for (int i = 0; i < concurrency; i++) {
        Histogram h = BenchSupport.histogram();
        histograms.add(h);
        Runnable caller = () -> callLoop(client, request, phases, h, failures);
        threads.add(
            virtual
                ? Thread.ofVirtual().name("caller-" + i).start(caller)
                : Thread.ofPlatform().name("caller-" + i).start(caller));
      }
      Histogram all = BenchSupport.histogram();
      for (int i = 0; i < concurrency; i++) {
        threads.get(i).join();
        all.add(histograms.get(i));
      }
      if (failures.get() > 0) {
        System.err.println("BenchClient: " + failures.get() + " callers failed");
        System.exit(1);
      }
      BenchSupport.printResult(all.getTotalCount(), phases.seconds(), all, 0);
    }
  }

  private static void callLoop(
      TtrpcClient client, BytesValue request, Phases phases, Histogram h, AtomicLong failures) {
    int size = request.getValue().size();
    try {
      while (true) {
        long t0 = System.nanoTime();
        if (t0 - phases.end() >= 0) {
          return;
        }
        BytesValue reply = client.call(BenchSupport.ECHO, request, CallOptions.DEFAULT);
        long t1 = System.nanoTime();
        if (reply.getValue().size() != size) {
          throw new IllegalStateException("echo returned " + reply.getValue().size() + " bytes");
        }
        if (t0 - phases.measureFrom() >= 0 && t1 - phases.end() <= 0) {
          h.recordValue(t1 - t0);
        }
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      failures.incrementAndGet();
    }
  }

  private static void stream(Path socket, int mibPerCall, Phases phases) {
    UInt32Value request = UInt32Value.of(mibPerCall);
    long bytes = 0;
    long calls = 0;
    long measuredFrom = 0;
    Histogram h = BenchSupport.histogram();
    try (TtrpcClient client = TtrpcClient.connect(socket)) {
      while (true) {
        long t0 = System.nanoTime();
        if (t0 - phases.end() >= 0) {
          break;
        }
        boolean measured = t0 - phases.measureFrom() >= 0;
        if (measured && measuredFrom == 0) {
          measuredFrom = t0;
        }
        long received = 0;
        try (ClientStream<UInt32Value, BytesValue> s =
            client.openStream(BenchSupport.DOWNLOAD, request, CallOptions.DEFAULT)) {
          BytesValue m;
          while ((m = s.receive()) != null) {
            if (m.getValue().size() != BenchSupport.MIB) {
              throw new IllegalStateException("got " + m.getValue().size() + " bytes");
            }
            received += BenchSupport.MIB;
          }
        }
        if (received != (long) mibPerCall * BenchSupport.MIB) {
          throw new IllegalStateException("stream ended after " + received + " bytes");
        }
        if (measured) {
          bytes += received;
          calls++;
          h.recordValue(System.nanoTime() - t0);
        }
      }
    }
    double seconds = (System.nanoTime() - measuredFrom) / 1e9;
    BenchSupport.printResult(calls, seconds, h, bytes);
  }
}
