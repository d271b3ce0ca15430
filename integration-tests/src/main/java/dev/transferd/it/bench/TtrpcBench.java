package dev.transferd.it.bench;

import dev.transferd.it.GoPeer;
import dev.transferd.it.bench.BenchSupport.Step;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * {@code make bench-ttrpc}: ttrpc round trips, pipelined calls and streaming throughput, Java
 * beside the Go reference (containerd/ttrpc from Debian, via {@link GoPeer}) and beside raw Java
 * unix sockets. Every client and every server is its own process, as an agent and a daemon are;
 * this JVM only starts them, hands out the steps and collects the results.
 *
 * <p>Four servers run throughout (raw echo, Java ttrpc, Java ttrpc with Echo registered as direct,
 * Go ttrpc). The raw and Java clients are long-lived processes fed one step at a time on stdin, so
 * their JIT stays warm; the Go client is a new process per measurement. After a JIT warm-up of the
 * Java pair, the measurements run in {@link #ROUNDS} interleaved rounds (raw, Java and Go side by
 * side, the order rotating each round), and each figure is the median over the rounds: on a shared
 * 2-CPU VM the cost of waking a thread on the other CPU drifts by several times within minutes, and
 * interleaving keeps the comparisons fair.
 *
 * <p>Prints {@code BENCH <name> <value> <unit>} lines and a table, ending with the headline lines
 * ({@code ttrpc_rtt_p50_vs_go}, {@code ttrpc_rtt_p50_vs_raw}, {@code ttrpc_calls_per_s}, {@code
 * ttrpc_stream_gbps}, {@code ttrpc_stream_vs_raw}, {@code ttrpc_go_client_vs_go_server}); ratios
 * are the median of the per-round ratios. Latency ratios are Java / peer (lower is better);
 * throughput ratios ({@code _vs_raw} of a stream, {@code ttrpc_go_client_vs_go_server}: the Go
 * client's calls/s from our server ÷ from the Go server, 32 callers on one connection) are higher
 * is better.
 *
 * <p>Options: {@code --quick} (one short round, to try the harness), {@code --doc FILE} (also write
 * the results into FILE between {@code <!-- bench-ttrpc:begin -->} and {@code <!-- bench-ttrpc:end
 * -->}), {@code --jvm "FLAGS"} (child JVM flags instead of {@link #DEFAULT_JVM_FLAGS}).
 */
public final class TtrpcBench {
  /** Flags of every child JVM, servers and clients alike. */
  static final List<String> DEFAULT_JVM_FLAGS =
      List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:+AlwaysPreTouch");

  /** Flags that only silence JDK 24+ warnings about Netty's and protobuf's native/Unsafe use. */
  private static final List<String> QUIET_FLAGS =
      Runtime.version().feature() >= 24
          ? List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
          : List.of("--enable-native-access=ALL-UNNAMED");

  static final int ROUNDS = 3;
  private static final int SMALL = 32;
  private static final int LARGE = 64 * 1024;
  private static final int CONCURRENCY = 32;
  private static final int MIB_PER_STREAM = 64;

  /** One step's result line. */
  record Result(long calls, double seconds, double p50, double p99, long bytes) {
    double callsPerSecond() {
      return calls / seconds;
    }

    double gbps() {
      return bytes / seconds / 1e9;
    }

    /** Parses a client's result line ({@code calls=...}, with or without {@code name=}). */
    static Result parse(String line) {
      Map<String, String> kv = new HashMap<>();
      for (String token : line.trim().split("\\s+")) {
        int eq = token.indexOf('=');
        if (eq > 0) {
          kv.put(token.substring(0, eq), token.substring(eq + 1));
        }
      }
      if (!kv.containsKey("calls")) {
        throw new IllegalArgumentException("not a result line: " + line);
      }
      return new Result(
          Long.parseLong(kv.get("calls")),
          Double.parseDouble(kv.get("seconds")),
          Double.parseDouble(kv.get("p50_us")),
          Double.parseDouble(kv.get("p99_us")),
          Long.parseLong(kv.getOrDefault("bytes", "0")));
    }
  }

  /** A long-running client process that takes one step per stdin line and answers a result. */
  private static final class StepClient implements AutoCloseable {
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;

    StepClient(List<String> command) {
      try {
        process =
            new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + command, e);
      }
      in =
          new BufferedWriter(
              new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    Result run(String step) {
      try {
        in.write(step);
        in.newLine();
        in.flush();
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("name=")) {
            return Result.parse(line);
          }
        }
      } catch (IOException e) {
        // Reported below.
      }
      throw new IllegalStateException("client process ended during step " + step);
    }

    @Override
    public void close() {
      GoPeer.stop(process); // closes stdin, then terminates it if it lingers
    }
  }

  private final int rounds;
  private final double seconds;
  private final double javaWarmup;
  private final double peerWarmup;
  private final double jitWarmup;
  private final List<String> jvmFlags;
  private final Path dir;
  private final Map<String, List<Result>> results = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private Path goBinary;
  private Path rawSocket;
  private Path javaSocket;
  private Path javaDirectSocket;
  private Path goSocket;
  private StepClient rawClient;
  private StepClient javaClient;

  private TtrpcBench(boolean quick, List<String> jvmFlags) throws IOException {
    this.rounds = quick ? 1 : ROUNDS;
    this.seconds = quick ? 1 : 3;
    this.javaWarmup = quick ? 0.5 : 1;
    this.peerWarmup = 0.5;
    this.jitWarmup = quick ? 3 : 12;
    this.jvmFlags = jvmFlags;
    this.dir = Files.createTempDirectory("ttrpc-bench");
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path doc = null;
    List<String> flags = DEFAULT_JVM_FLAGS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--doc" -> doc = Path.of(args[++i]);
        case "--jvm" -> flags = Arrays.asList(args[++i].trim().split("\\s+"));
        default -> {
          System.err.println("usage: TtrpcBench [--quick] [--doc FILE] [--jvm FLAGS]");
          System.exit(2);
        }
      }
    }
    TtrpcBench bench = new TtrpcBench(quick, flags);
    bench.runAll();
    String table = bench.table();
    System.out.println();
    System.out.print(table);
    System.out.println();
    bench.printBenchLines();
    if (doc != null) {
      writeDoc(doc, bench.docSection(table));
    }
  }

  // ---- running ----

  private void runAll() throws IOException {
    double busy = machineBusy();
    if (busy > 0.10) {
      note(
          String.format(
              Locale.ROOT,
              "other processes kept the CPUs %.0f%% busy just before the run; expect noise",
              busy * 100));
    }
    try {
      goBinary = GoPeer.binary();
    } catch (RuntimeException e) {
      note("Go peer unavailable: " + e.getMessage().lines().findFirst().orElse(""));
    }
    rawSocket = dir.resolve("raw.sock");
    javaSocket = dir.resolve("java.sock");
    javaDirectSocket = dir.resolve("java-direct.sock");
    goSocket = dir.resolve("go.sock");
    List<Process> servers = new ArrayList<>();
    try {
      servers.add(startServer(java("RawPingPong", "server", rawSocket)));
      servers.add(startServer(java("BenchServer", javaSocket)));
      try {
        servers.add(startServer(java("BenchServer", javaDirectSocket, "--direct")));
      } catch (IllegalStateException e) {
        javaDirectSocket = null; // a ttrpc without direct methods: measure the rest
        note("no Java server with a direct Echo: " + e.getMessage());
      }
      if (goBinary != null) {
        servers.add(GoPeer.start("bench-server", goSocket));
      }
      rawClient = new StepClient(java("RawPingPong", "-"));
      javaClient = new StepClient(java("BenchClient", "-"));
      warmUpJava();
      for (int round = 0; round < rounds; round++) {
        System.err.printf("round %d of %d%n", round + 1, rounds);
        interleaved(
            round,
            () -> raw("raw_rtt_32b", "rtt", SMALL),
            () -> java("java_rtt_32b", "unary", SMALL, 1),
            () -> go("go_rtt_32b", SMALL, 1));
        interleaved(
            round,
            () -> raw("raw_rtt_64k", "rtt", LARGE),
            () -> java("java_rtt_64k", "unary", LARGE, 1),
            () -> go("go_rtt_64k", LARGE, 1));
        interleaved(
            round,
            () -> java("java_pipelined_c32", "unary", SMALL, CONCURRENCY),
            () -> go("go_pipelined_c32", SMALL, CONCURRENCY),
            () -> goAgainst(javaSocket, "go_client_java_server_pipelined_c32"),
            () -> goAgainst(javaDirectSocket, "go_client_java_direct_server_pipelined_c32"));
        interleaved(
            round,
            () -> raw("raw_stream_1mib", "stream", MIB_PER_STREAM),
            () -> java("java_stream_1mib", "stream", MIB_PER_STREAM, 1));
      }
      if (goBinary != null) {
        // Mixed pairs, once each: they split the Java cost into its client and server halves.
        measure(
            "java_client_go_server_rtt_32b",
            () ->
                javaClient.run(
                    step(
                        "java_client_go_server_rtt_32b",
                        "unary",
                        goSocket,
                        SMALL,
                        1,
                        javaWarmup,
                        seconds)));
        measure("go_client_java_server_rtt_32b", () -> goClient(javaSocket, SMALL, 1, javaWarmup));
      }
    } finally {
      for (StepClient c : Arrays.asList(rawClient, javaClient)) {
        if (c != null) {
          c.close();
        }
      }
      servers.forEach(GoPeer::stop);
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * C2 needs many thousands of calls; sequential calls alone take 10 s or more to get there on 2
   * CPUs, pipelined ones much less. Both processes warm up here, on every path measured later.
   */
  private void warmUpJava() {
    System.err.printf("warming up the Java client and server (%s s) ...%n", num(jitWarmup));
    measure(
        "warm-up",
        () -> {
          javaClient.run(step("-", "unary", javaSocket, SMALL, CONCURRENCY, 0, jitWarmup * 0.3));
          javaClient.run(step("-", "unary", javaSocket, LARGE, 4, 0, jitWarmup * 0.15));
          javaClient.run(step("-", "stream", javaSocket, 16, 1, 0, jitWarmup * 0.15));
          javaClient.run(step("-", "unary", javaSocket, SMALL, 1, 0, jitWarmup * 0.4));
          if (javaDirectSocket != null) {
            javaClient.run(
                step("-", "unary", javaDirectSocket, SMALL, CONCURRENCY, 0, jitWarmup * 0.3));
          }
          rawClient.run(step("-", "rtt", rawSocket, SMALL, 1, 0, 1));
          return null;
        });
  }

  /** Runs the measurements of one comparison, starting with a different one each round. */
  private void interleaved(int round, Measurement... group) {
    for (int i = 0; i < group.length; i++) {
      group[(i + round) % group.length].run();
    }
  }

  private interface Measurement {
    void run();
  }

  private void raw(String name, String kind, int arg) {
    measure(name, () -> rawClient.run(step(name, kind, rawSocket, arg, 1, peerWarmup, seconds)));
  }

  private void java(String name, String kind, int arg, int concurrency) {
    measure(
        name,
        () -> javaClient.run(step(name, kind, javaSocket, arg, concurrency, javaWarmup, seconds)));
  }

  private void go(String name, int payload, int concurrency) {
    if (goBinary != null) {
      measure(name, () -> goClient(goSocket, payload, concurrency, peerWarmup));
    }
  }

  /** The Go client, 32 callers on one connection, against one of our servers. */
  private void goAgainst(Path socket, String name) {
    if (goBinary != null && socket != null) {
      measure(name, () -> goClient(socket, SMALL, CONCURRENCY, javaWarmup));
    }
  }

  private interface Source {
    Result get();
  }

  private void measure(String name, Source source) {
    try {
      Result r = source.get();
      if (r == null) {
        return;
      }
      results.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
      System.err.printf(
          Locale.ROOT,
          "  %-32s p50 %8.1f us  p99 %8.1f us  %9.0f calls/s  %5.2f GB/s%n",
          name,
          r.p50(),
          r.p99(),
          r.callsPerSecond(),
          r.gbps());
    } catch (RuntimeException e) {
      note(name + " failed: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private void note(String note) {
    System.err.println("WARNING: " + note);
    if (!notes.contains(note)) {
      notes.add(note);
    }
  }

  private Result goClient(Path socket, int payload, int concurrency, double warm) {
    GoPeer.Result r =
        GoPeer.run(
            Duration.ofSeconds((long) (warm + seconds) + 60),
            "bench-client",
            socket,
            "-payload",
            Integer.toString(payload),
            "-seconds",
            num(seconds),
            "-concurrency",
            Integer.toString(concurrency),
            "-warmup",
            num(warm));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("Go client exited " + r.exitCode() + ": " + r.output());
    }
    return r.output()
        .lines()
        .filter(l -> l.startsWith("calls="))
        .findFirst()
        .map(Result::parse)
        .orElseThrow(
            () -> new IllegalStateException("no result from the Go client: " + r.output()));
  }

  private static String step(
      String name,
      String kind,
      Path socket,
      int arg,
      int concurrency,
      double warmupSeconds,
      double measureSeconds) {
    return new Step(name, kind, socket, arg, concurrency, warmupSeconds, measureSeconds).spec();
  }

  private List<String> java(String mainClass, Object... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmFlags);
    command.addAll(QUIET_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(TtrpcBench.class.getPackageName() + "." + mainClass);
    for (Object a : args) {
      command.add(a.toString());
    }
    return command;
  }

  /** Starts a server process and waits for its READY line; it exits when its stdin closes. */
  private static Process startServer(List<String> command) {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.equals("READY")) {
                    ready.complete(true);
                  }
                }
              } catch (IOException e) {
                // Gone.
              }
              ready.complete(false);
            });
    try {
      if (ready.get(30, TimeUnit.SECONDS)) {
        return p;
      }
    } catch (Exception e) {
      // Reported below.
    }
    GoPeer.stop(p);
    throw new IllegalStateException("server did not print READY: " + command);
  }

  // ---- reporting ----

  private List<Result> of(String name) {
    return results.getOrDefault(name, List.of());
  }

  private double median(String name, ToDoubleFunction<Result> metric) {
    return median(of(name).stream().mapToDouble(metric).toArray());
  }

  private static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The median over rounds of Java / peer, each round's pair measured back to back. */
  private double pairedRatio(String java, String peer, ToDoubleFunction<Result> metric) {
    List<Result> a = of(java);
    List<Result> b = of(peer);
    int n = Math.min(a.size(), b.size());
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = metric.applyAsDouble(a.get(i)) / metric.applyAsDouble(b.get(i));
    }
    return median(ratios);
  }

  private void printBenchLines() {
    ToDoubleFunction<Result> p50 = Result::p50;
    ToDoubleFunction<Result> p99 = Result::p99;
    for (String size : List.of("32b", "64k")) {
      for (String who : List.of("java", "go", "raw")) {
        bench(who + "_rtt_" + size + "_p50", median(who + "_rtt_" + size, p50), "us");
        bench(who + "_rtt_" + size + "_p99", median(who + "_rtt_" + size, p99), "us");
      }
    }
    for (String mixed : List.of("java_client_go_server_rtt_32b", "go_client_java_server_rtt_32b")) {
      bench(mixed + "_p50", median(mixed, p50), "us");
      bench(mixed + "_p99", median(mixed, p99), "us");
    }
    for (String who :
        List.of("java", "go", "go_client_java_server", "go_client_java_direct_server")) {
      String name = who + "_pipelined_c" + CONCURRENCY;
      bench(name + "_calls_per_s", median(name, Result::callsPerSecond), "calls/s");
      bench(name + "_p50", median(name, p50), "us");
      bench(name + "_p99", median(name, p99), "us");
    }
    bench("raw_stream_1mib_gbps", median("raw_stream_1mib", Result::gbps), "GB/s");
    bench("java_stream_1mib_gbps", median("java_stream_1mib", Result::gbps), "GB/s");
    // The headline lines, last.
    bench("ttrpc_rtt_p50_vs_go", pairedRatio("java_rtt_32b", "go_rtt_32b", p50), "x");
    bench("ttrpc_rtt_p50_vs_raw", pairedRatio("java_rtt_32b", "raw_rtt_32b", p50), "x");
    bench("ttrpc_calls_per_s", median("java_pipelined_c32", Result::callsPerSecond), "calls/s");
    bench("ttrpc_stream_gbps", median("java_stream_1mib", Result::gbps), "GB/s");
    bench(
        "ttrpc_stream_vs_raw",
        pairedRatio("java_stream_1mib", "raw_stream_1mib", Result::gbps),
        "x");
    // The Go client under load (32 callers), our server ÷ the Go server: Echo as a direct method
    // (it never blocks), and on a virtual thread per call (the default) beside it.
    ToDoubleFunction<Result> rate = Result::callsPerSecond;
    bench(
        "ttrpc_go_client_vs_go_server",
        pairedRatio("go_client_java_direct_server_pipelined_c32", "go_pipelined_c32", rate),
        "x");
    bench(
        "ttrpc_go_client_vs_go_server_p99_us_ours",
        median("go_client_java_direct_server_pipelined_c32", p99),
        "us");
    bench("ttrpc_go_client_vs_go_server_p99_us_go", median("go_pipelined_c32", p99), "us");
    bench(
        "ttrpc_go_client_vs_go_server_offloaded",
        pairedRatio("go_client_java_server_pipelined_c32", "go_pipelined_c32", rate),
        "x");
  }

  private static void bench(String name, double value, String unit) {
    String v;
    if (Double.isNaN(value)) {
      v = "NaN";
    } else if (unit.equals("x") || unit.equals("GB/s")) {
      v = String.format(Locale.ROOT, "%.3f", value);
    } else if (unit.equals("us")) {
      v = String.format(Locale.ROOT, "%.1f", value);
    } else {
      v = String.format(Locale.ROOT, "%.0f", value);
    }
    System.out.println("BENCH " + name + " " + v + " " + unit);
  }

  private String table() {
    StringBuilder t = new StringBuilder();
    t.append("| Measurement | Java -> Java ttrpc | Go -> Go ttrpc | raw Java UDS |")
        .append(" Java / Go | Java / raw |\n");
    t.append("|---|---:|---:|---:|---:|---:|\n");
    for (String size : List.of("32b", "64k")) {
      String label = size.equals("32b") ? "32 B" : "64 KiB";
      for (String pct : List.of("p50", "p99")) {
        ToDoubleFunction<Result> m = pct.equals("p50") ? Result::p50 : Result::p99;
        row(
            t,
            "unary RTT " + label + ", " + pct + " (µs)",
            "java_rtt_" + size,
            "go_rtt_" + size,
            "raw_rtt_" + size,
            m,
            1);
      }
    }
    row(
        t,
        "pipelined unary 32 B, " + CONCURRENCY + " callers, 1 connection (calls/s)",
        "java_pipelined_c32",
        "go_pipelined_c32",
        null,
        Result::callsPerSecond,
        0);
    row(
        t,
        "  p50 latency under that load (µs)",
        "java_pipelined_c32",
        "go_pipelined_c32",
        null,
        Result::p50,
        0);
    for (String[] server :
        new String[][] {
          {"go_client_java_direct_server_pipelined_c32", "direct Echo"},
          {"go_client_java_server_pipelined_c32", "Echo on virtual threads"}
        }) {
      row(
          t,
          "Go client, 32 callers: our server (" + server[1] + ") vs Go's (calls/s)",
          server[0],
          "go_pipelined_c32",
          null,
          Result::callsPerSecond,
          0);
      row(t, "  p99 under that load (µs)", server[0], "go_pipelined_c32", null, Result::p99, 0);
    }
    row(
        t,
        "server-streaming, 1 MiB BytesValue messages (GB/s)",
        "java_stream_1mib",
        null,
        "raw_stream_1mib",
        Result::gbps,
        2);
    t.append("\n| Mixed pair, unary RTT 32 B (one run) | p50 (µs) | p99 (µs) |\n");
    t.append("|---|---:|---:|\n");
    for (String[] m :
        new String[][] {
          {"Java client -> Go server", "java_client_go_server_rtt_32b"},
          {"Go client -> Java server", "go_client_java_server_rtt_32b"}
        }) {
      t.append("| ")
          .append(m[0])
          .append(" | ")
          .append(fmt(median(m[1], Result::p50), 1))
          .append(" | ")
          .append(fmt(median(m[1], Result::p99), 1))
          .append(" |\n");
    }
    t.append(
        rounds == 1
            ? "\nCells: one round; "
            : "\nCells: median over "
                + rounds
                + " rounds (min–max); ratios: median of the per-round"
                + " ratios; ");
    t.append("GB/s = 10^9 payload bytes.\n");
    return t.toString();
  }

  private void row(
      StringBuilder t,
      String label,
      String java,
      String go,
      String raw,
      ToDoubleFunction<Result> metric,
      int decimals) {
    t.append("| ").append(label).append(" | ");
    t.append(cell(java, metric, decimals)).append(" | ");
    t.append(cell(go, metric, decimals)).append(" | ");
    t.append(cell(raw, metric, decimals)).append(" | ");
    t.append(ratioCell(java, go, metric)).append(" | ");
    t.append(ratioCell(java, raw, metric)).append(" |\n");
  }

  private String cell(String name, ToDoubleFunction<Result> metric, int decimals) {
    if (name == null || of(name).isEmpty()) {
      return "—";
    }
    double[] v = of(name).stream().mapToDouble(metric).toArray();
    String median = fmt(median(v), decimals);
    if (v.length == 1) {
      return median;
    }
    double lo = Arrays.stream(v).min().orElseThrow();
    double hi = Arrays.stream(v).max().orElseThrow();
    return median + " (" + fmt(lo, decimals) + "–" + fmt(hi, decimals) + ")";
  }

  private String ratioCell(String a, String b, ToDoubleFunction<Result> metric) {
    if (a == null || b == null) {
      return "—";
    }
    double r = pairedRatio(a, b, metric);
    return Double.isNaN(r) ? "—" : String.format(Locale.ROOT, "%.2f", r);
  }

  private static String fmt(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "—";
    }
    return decimals == 0
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String num(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  // ---- docs/benchmarks.md ----

  private static final String BEGIN = "<!-- bench-ttrpc:begin -->";
  private static final String END = "<!-- bench-ttrpc:end -->";

  private String docSection(String table) {
    StringBuilder s = new StringBuilder();
    s.append(BEGIN).append("\n");
    s.append("Run of ").append(LocalDate.now()).append(" on ").append(machine()).append(".\n\n");
    s.append(table);
    s.append("\nChild JVM flags (servers and clients alike): `")
        .append(String.join(" ", jvmFlags))
        .append("`. Each measurement: ")
        .append(num(javaWarmup))
        .append(" s warm-up (raw and Go: ")
        .append(num(peerWarmup))
        .append(" s) then ")
        .append(num(seconds))
        .append(" s measured, after a ")
        .append(num(jitWarmup))
        .append(" s JIT warm-up of the Java client and server.\n");
    for (String note : notes) {
      s.append("\n- ").append(note);
    }
    if (!notes.isEmpty()) {
      s.append("\n");
    }
    s.append(END).append("\n");
    return s.toString();
  }

  /**
   * The fraction of CPU time not idle over one second (Linux), or 0 if unknown; measured after a
   * pause, so that the tail of a build started just before does not count.
   */
  private static double machineBusy() {
    try {
      Thread.sleep(1000);
      long[] a = cpuTimes();
      Thread.sleep(1000);
      long[] b = cpuTimes();
      long total = b[0] - a[0];
      return total <= 0 ? 0 : 1 - (double) (b[1] - a[1]) / total;
    } catch (IOException | RuntimeException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** Total and idle (idle + iowait) jiffies from the first line of /proc/stat. */
  private static long[] cpuTimes() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      total += Long.parseLong(f[i]);
    }
    return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      cpu =
          lines
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse(cpu);
    } catch (IOException | UncheckedIOException e) {
      // Not Linux.
    }
    return String.format(
        Locale.ROOT,
        "%d CPUs (%s), %s %s, Java %s (%s)",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"));
  }

  private static void writeDoc(Path doc, String section) throws IOException {
    String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n";
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    if (b >= 0 && e > b) {
      text = text.substring(0, b) + section + text.substring(e + END.length()).stripLeading();
    } else {
      text = text + "\n" + section;
    }
    Files.writeString(doc, text);
    System.err.println("wrote the results into " + doc);
  }
}
