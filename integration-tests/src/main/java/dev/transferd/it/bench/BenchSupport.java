package dev.transferd.it.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import dev.transferd.ttrpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
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
   * The one line a client prints, in the Go peer's format plus extras: {@code calls=<n> seconds=<s>
   * p50_us=<us> p99_us=<us> [bytes=<n>]}.
   */
  static void printResult(long calls, double seconds, Histogram h, long bytes) {
    double p50 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1e3;
    double p99 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1e3;
    double p999 = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99.9) / 1e3;
    double mean = h == null || h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3;
    System.out.printf(
        Locale.ROOT,
        "calls=%d seconds=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f mean_us=%.1f bytes=%d%n",
        calls,
        seconds,
        p50,
        p99,
        p999,
        mean,
        bytes);
    System.out.flush();
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

  static double parseSeconds(String s) {
    return Double.parseDouble(s);
  }

  private BenchSupport() {}
}
