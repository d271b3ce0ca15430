package dev.transferd.plugin.daemon;

import dev.transferd.plugin.registry.RegistryRequestObserver;
import dev.transferd.plugin.transfer.TransferObserver;
import dev.transferd.plugin.transfer.TransferReport;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.StreamHandler;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The daemon's Prometheus metrics, kept as lock-free adders and written in the text exposition
 * format (version 0.0.4) on demand:
 *
 * <pre>
 * transferd_transfers_total{operation,outcome}        counter  Transfer calls ended
 * transferd_transfer_bytes_total{operation}           counter  bytes moved by them
 * transferd_transfer_duration_seconds{operation}      histogram
 * transferd_registry_requests_total{host,status}      counter  HTTP exchanges (status 0: none)
 * transferd_open_streams                              gauge    Streaming/Stream calls open now
 * </pre>
 *
 * Fed as a {@link TransferObserver}, a {@link RegistryRequestObserver} and a {@link
 * ServerInterceptor} (for the streams). Thread-safe.
 */
final class DaemonMetrics implements TransferObserver, RegistryRequestObserver, ServerInterceptor {
  /** Upper bounds of the duration buckets, in seconds: a tag takes ms, a big pull minutes. */
  static final double[] DURATION_BUCKETS = {
    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600
  };

  private record Labels2(String a, String b) {}

  private static final class Histogram {
    final LongAdder[] buckets = new LongAdder[DURATION_BUCKETS.length];
    final LongAdder count = new LongAdder();
    final DoubleAdder sum = new DoubleAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      for (int i = 0; i < DURATION_BUCKETS.length; i++) {
        if (seconds <= DURATION_BUCKETS[i]) {
          buckets[i].increment();
          break;
        }
      }
      count.increment();
      sum.add(seconds);
    }
  }

  private final Map<Labels2, LongAdder> transfers = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> bytes = new ConcurrentHashMap<>();
  private final Map<String, Histogram> durations = new ConcurrentHashMap<>();
  private final Map<Labels2, LongAdder> registryRequests = new ConcurrentHashMap<>();
  private final LongAdder openStreams = new LongAdder();

  @Override
  public void transferEnded(TransferReport r) {
    String op = r.operation();
    transfers
        .computeIfAbsent(new Labels2(op, r.outcome().code().name()), k -> new LongAdder())
        .increment();
    bytes.computeIfAbsent(op, k -> new LongAdder()).add(r.bytes());
    durations.computeIfAbsent(op, k -> new Histogram()).observe(r.duration().toNanos() / 1e9);
  }

  @Override
  public void requested(String host, int status) {
    registryRequests
        .computeIfAbsent(new Labels2(host, Integer.toString(status)), k -> new LongAdder())
        .increment();
  }

  @Override
  public <Q, R> R interceptStream(
      CallContext context, ServerStream<Q, R> stream, StreamHandler<Q, R> next) throws Exception {
    if (!context.method().service().equals(StreamingProtocol.STREAMING_SERVICE)) {
      return next.handle(context, stream);
    }
    openStreams.increment();
    try {
      return next.handle(context, stream);
    } finally {
      openStreams.decrement();
    }
  }

  /** The exposition text. */
  String scrape() {
    StringBuilder out = new StringBuilder(2048);
    header(out, "transferd_transfers_total", "counter", "Transfer calls ended, by outcome.");
    labelled(transfers, "operation", "outcome")
        .forEach((labels, n) -> sample(out, "transferd_transfers_total", labels, n));
    header(out, "transferd_transfer_bytes_total", "counter", "Bytes moved by transfers.");
    new TreeMap<>(bytes)
        .forEach(
            (op, n) ->
                sample(
                    out,
                    "transferd_transfer_bytes_total",
                    "operation=\"" + escape(op) + "\"",
                    Long.toString(n.sum())));
    header(out, "transferd_transfer_duration_seconds", "histogram", "Transfer call durations.");
    new TreeMap<>(durations).forEach((op, h) -> histogram(out, op, h));
    header(
        out,
        "transferd_registry_requests_total",
        "counter",
        "HTTP exchanges with registries, by host and status (0: no response).");
    labelled(registryRequests, "host", "status")
        .forEach((labels, n) -> sample(out, "transferd_registry_requests_total", labels, n));
    header(out, "transferd_open_streams", "gauge", "Streaming calls open now.");
    sample(out, "transferd_open_streams", "", Long.toString(openStreams.sum()));
    return out.toString();
  }

  /** Samples of a two-label counter, by their label text, sorted. */
  private static TreeMap<String, String> labelled(
      Map<Labels2, LongAdder> counters, String first, String second) {
    TreeMap<String, String> sorted = new TreeMap<>();
    counters.forEach(
        (k, n) ->
            sorted.put(
                first + "=\"" + escape(k.a()) + "\"," + second + "=\"" + escape(k.b()) + "\"",
                Long.toString(n.sum())));
    return sorted;
  }

  private static void histogram(StringBuilder out, String op, Histogram h) {
    String name = "transferd_transfer_duration_seconds";
    String opLabel = "operation=\"" + escape(op) + "\"";
    long cumulative = 0;
    for (int i = 0; i < DURATION_BUCKETS.length; i++) {
      cumulative += h.buckets[i].sum();
      sample(
          out,
          name + "_bucket",
          opLabel + ",le=\"" + number(DURATION_BUCKETS[i]) + "\"",
          Long.toString(cumulative));
    }
    long count = h.count.sum();
    sample(out, name + "_bucket", opLabel + ",le=\"+Inf\"", Long.toString(count));
    sample(out, name + "_sum", opLabel, number(h.sum.sum()));
    sample(out, name + "_count", opLabel, Long.toString(count));
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String labels, String value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(value).append('\n');
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%s", d);
  }

  /** Label values escape backslash, double quote and newline (exposition format 0.0.4). */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
