package dev.transferd.it.bench;

import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import dev.transferd.it.bench.BenchSupport.Phases;
import dev.transferd.it.bench.BenchSupport.Step;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The Java ttrpc client of the benchmark, in its own process: runs its steps ({@link Step}) in
 * order, each on a new connection, and prints a result line for each.
 *
 * <pre>
 * BenchClient STEP...   or   BenchClient -   (steps from stdin, one per line)
 *   STEP = NAME,unary,SOCKET,PAYLOAD,CONCURRENCY,WARMUP_S,SECONDS
 *        | NAME,stream,SOCKET,MIB_PER_CALL,1,WARMUP_S,SECONDS
 * </pre>
 *
 * <p>{@code unary}: CONCURRENCY virtual-thread callers share one connection, each making Echo calls
 * back to back; every call started after the warm-up and finished before the end is timed. With one
 * caller (a platform thread, as a CLI's main thread) that is the sequential round trip; with many,
 * pipelined calls per second. {@code stream}: repeated Download calls of MIB_PER_CALL 1 MiB
 * messages; payload bytes received per second of the measured window.
 *
 * <p>Running the steps in one process lets the JIT warm-up of the first steps serve the later ones,
 * as in a long-running agent; on a 2-CPU machine C2 needs 10 s or more of sequential calls alone.
 */
public final class BenchClient {
  /** With {@code -Dbench.progress=true}, a sequential caller prints each second's p50 to stderr. */
  private static final boolean PROGRESS = Boolean.getBoolean("bench.progress");

  /** With {@code -Dbench.callers=platform}, concurrent callers are platform threads too. */
  private static final boolean PLATFORM_CALLERS =
      "platform".equals(System.getProperty("bench.callers"));

  private BenchClient() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: BenchClient STEP... (see the class comment)");
      System.exit(2);
    }
    BenchSupport.runSteps(
        args,
        step -> {
          switch (step.kind()) {
            case "unary" -> unary(step);
            case "stream" -> stream(step);
            default -> throw new IllegalArgumentException("unknown step kind " + step.kind());
          }
        });
  }

  private static void unary(Step step) throws Exception {
    BytesValue request = BenchSupport.bytesValue(step.arg());
    try (TtrpcClient client = TtrpcClient.connect(step.socket())) {
      Phases phases = step.phases();
      List<Histogram> histograms = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      AtomicLong failures = new AtomicLong();
      int n = step.concurrency();
      for (int i = 0; i < n; i++) {
        Histogram h = BenchSupport.histogram();
        histograms.add(h);
        boolean progress = PROGRESS && n == 1;
        Runnable caller = () -> callLoop(client, request, phases, h, failures, progress);
        threads.add(
            n == 1 || PLATFORM_CALLERS
                ? Thread.ofPlatform().name("caller-" + i).start(caller)
                : Thread.ofVirtual().name("caller-" + i).start(caller));
      }
      Histogram all = BenchSupport.histogram();
      for (int i = 0; i < n; i++) {
        threads.get(i).join();
        all.add(histograms.get(i));
      }
      if (failures.get() > 0) {
        System.err.println("BenchClient: " + failures.get() + " callers failed");
        System.exit(1);
      }
      BenchSupport.printResult(step.name(), all.getTotalCount(), phases.seconds(), all, 0);
    }
  }

  private static void callLoop(
      TtrpcClient client,
      BytesValue request,
      Phases phases,
      Histogram h,
      AtomicLong failures,
      boolean progress) {
    int size = request.getValue().size();
    Histogram second = progress ? BenchSupport.histogram() : null;
    long secondEnds = phases.start() + 1_000_000_000L;
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
        if (progress) {
          second.recordValue(t1 - t0);
          if (t1 - secondEnds >= 0) {
            System.err.printf(
                "t=%.0fs calls=%d p50=%.1fus p99=%.1fus%n",
                (t1 - phases.start()) / 1e9,
                second.getTotalCount(),
                second.getValueAtPercentile(50) / 1e3,
                second.getValueAtPercentile(99) / 1e3);
            second.reset();
            secondEnds += 1_000_000_000L;
          }
        }
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      failures.incrementAndGet();
    }
  }

  private static void stream(Step step) {
    int mibPerCall = step.arg();
    Phases phases = step.phases();
    UInt32Value request = UInt32Value.of(mibPerCall);
    long bytes = 0;
    long calls = 0;
    long measuredFrom = 0;
    Histogram h = BenchSupport.histogram();
    try (TtrpcClient client = TtrpcClient.connect(step.socket())) {
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
    double seconds = measuredFrom == 0 ? 0 : (System.nanoTime() - measuredFrom) / 1e9;
    BenchSupport.printResult(step.name(), calls, seconds, h, bytes);
  }
}
