package dev.transferd.it.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import dev.transferd.ttrpc.MethodDescriptor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** What the benchmark's child processes share: method names, phases, result lines. */
final class BenchSupport {
  /** The Go peer's service; the Java bench server serves the same Echo under the same name. */
  static final String INTEROP_SERVICE = "ttrpc.interop.v1.Interop";

  static final MethodDescriptor<BytesValue, BytesValue> ECHO =
      MethodDescriptor.unary(INTEROP_SERVICE, "Echo", BytesValue.parser(), BytesValue.parser());

  /** Server-streaming: the request names how many 1 MiB BytesValue messages to send back. */
  static final String BENCH_SERVICE = "ttrpc.bench.v1.Bench";

  static final MethodDescriptor<UInt32Value, BytesValue> DOWNLOAD =
      MethodDescriptor.serverStreaming(
          BENCH_SERVICE, "Download", UInt32Value.parser(), BytesValue.parser());

  static final int MIB = 1 << 20;

  /** Latencies up to 10 s at 3 significant digits, in nanoseconds. */
  static Histogram histogram() {
    return new Histogram(10_000_000_000L, 3);
  }

  /** A payload of {@code size} bytes with a recognisable pattern. */
  static byte[] pattern(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }

  static BytesValue bytesValue(int size) {
    return BytesValue.newBuilder().setValue(ByteString.copyFrom(pattern(size))).build();
  }

  /** Warm-up, then a measured window, as {@link System#nanoTime()} instants. */
  record Phases(long start, long measureFrom, long end) {
    static Phases of(double warmupSeconds, double seconds) {
      long now = System.nanoTime();
      long from = now + (long) (warmupSeconds * 1e9);
      return new Phases(now, from, from + (long) (seconds * 1e9));
    }

    double seconds() {
      return (end - measureFrom) / 1e9;
    }
  }

  /**
   * One step of a client process: {@code NAME,KIND,SOCKET,ARG,CONCURRENCY,WARMUP_S,SECONDS}. NAME
   * is only echoed in the result line ({@code -} by convention for warm-up steps). KIND and ARG are
   * the client's (e.g. {@code unary} with a payload size, {@code stream} with MiB per call).
   */
  record Step(
      String name,
      String kind,
      Path socket,
      int arg,
      int concurrency,
      double warmupSeconds,
      double seconds) {
    static Step parse(String spec) {
      String[] f = spec.split(",");
      if (f.length != 7) {
        throw new IllegalArgumentException("bad step " + spec);
      }
      return new Step(
          f[0],
          f[1],
          Path.of(f[2]),
          Integer.parseInt(f[3]),
          Integer.parseInt(f[4]),
          Double.parseDouble(f[5]),
          Double.parseDouble(f[6]));
    }

    Phases phases() {
      return Phases.of(warmupSeconds, seconds);
    }

    String spec() {
      return String.join(
          ",",
          name,
          kind,
          socket.toString(),
          Integer.toString(arg),
          Integer.toString(concurrency),
          Double.toString(warmupSeconds),
          Double.toString(seconds));
    }
  }

  /**
   * The line a client prints per measured step, in the Go peer's format plus extras: {@code
   * name=<step> calls=<n> seconds=<s> p50_us=<us> p99_us=<us> ... bytes=<n>}.
   */
  static void printResult(String name, long calls, double seconds, Histogram h, long bytes) {
    double p50 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1e3;
    double p99 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1e3;
    double p999 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99.9) / 1e3;
    double mean = h == null || h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3;
    System.out.printf(
        Locale.ROOT,
        "name=%s calls=%d seconds=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f mean_us=%.1f"
            + " bytes=%d%n",
        name,
        calls,
        seconds,
        p50,
        p99,
        p999,
        mean,
        bytes);
    System.out.flush();
  }

  /** What a client does for one step; prints exactly one result line. */
  interface StepRunner {
    void run(Step step) throws Exception;
  }

  /**
   * Runs the steps given as arguments; or, with the single argument {@code -}, steps read from
   * stdin one per line until it closes, so a parent can interleave them with other clients' steps
   * in one warm process.
   */
  static void runSteps(String[] args, StepRunner runner) throws Exception {
    if (args.length == 1 && args[0].equals("-")) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          runner.run(Step.parse(line.trim()));
        }
      }
    } else {
      for (String spec : args) {
        runner.run(Step.parse(spec));
      }
    }
  }

  /** Ends this process when its parent closes our stdin (or dies), like the Go peer does. */
  static void exitWhenStdinCloses() {
    Thread.ofPlatform()
        .daemon()
        .name("stdin-watch")
        .start(
            () -> {
              try {
                InputStream in = System.in;
                byte[] sink = new byte[256];
                while (in.read(sink) >= 0) {
                  // Discard.
                }
              } catch (IOException e) {
                // Parent gone.
              }
              Runtime.getRuntime().halt(0);
            });
  }

  private BenchSupport() {}
}
