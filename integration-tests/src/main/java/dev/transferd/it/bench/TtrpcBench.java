package dev.transferd.it.bench;

import dev.transferd.it.GoPeer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.stream.Stream;

/**
 * {@code make bench-ttrpc}: ttrpc round trips, pipelined calls and streaming throughput, Java
 * beside the Go reference (containerd/ttrpc from Debian, via {@link GoPeer}) and beside raw Java
 * unix sockets. Every pair runs as two processes, as an agent and a daemon would: this JVM only
 * starts servers and clients and collects their one-line results.
 *
 * <p>Prints {@code BENCH <name> <value> <unit>} lines and a table, ending with the four headline
 * lines ({@code ttrpc_rtt_p50_vs_go}, {@code ttrpc_rtt_p50_vs_raw}, {@code ttrpc_calls_per_s},
 * {@code ttrpc_stream_gbps}); ratios are Java / peer, lower is better.
 *
 * <p>Options: {@code --quick} (short phases, for trying the harness), {@code --doc FILE} (also
 * write the table into FILE between {@code <!-- bench-ttrpc:begin -->} and {@code <!--
 * bench-ttrpc:end -->}), {@code --jvm "FLAGS"} (child JVM flags instead of {@link
 * #DEFAULT_JVM_FLAGS}), {@code --only SUBSTRING} (run only scenarios whose name contains it).
 */
public final class TtrpcBench {
  /** Flags of every child JVM, server and client alike. */
  static final List<String> DEFAULT_JVM_FLAGS =
      List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:+AlwaysPreTouch", "-Xshare:auto");

  private static final int SMALL = 32;
  private static final int LARGE = 64 * 1024;
  private static final int CONCURRENCY = 32;
  private static final int MIB_PER_STREAM = 256;

  /** One client's result line. */
  record Result(long calls, double seconds, double p50, double p99, long bytes) {
    double callsPerSecond() {
      return calls / seconds;
    }

    double gbps() {
      return bytes / seconds / 1e9;
    }

    static Result parse(String output) {
      for (String line : output.split("\n")) {
        if (!line.startsWith("calls=")) {
          continue;
        }
        Map<String, String> kv = new HashMap<>();
        for (String token : line.trim().split("\\s+")) {
          int eq = token.indexOf('=');
          if (eq > 0) {
            kv.put(token.substring(0, eq), token.substring(eq + 1));
          }
        }
        return new Result(
            Long.parseLong(kv.get("calls")),
            Double.parseDouble(kv.get("seconds")),
            Double.parseDouble(kv.get("p50_us")),
            Double.parseDouble(kv.get("p99_us")),
            Long.parseLong(kv.getOrDefault("bytes", "0")));
      }
      throw new IllegalStateException("no result line in:\n" + output);
    }
  }

  private final double warmup;
  private final double seconds;
  private final double goWarmup;
  private final List<String> jvmFlags;
  private final String only;
  private final Path dir;
  private final Map<String, Result> results = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private Path goBinary;
  private int socketCounter;

  private TtrpcBench(boolean quick, List<String> jvmFlags, String only) throws IOException {
    this.warmup = quick ? 1 : 3;
    this.seconds = quick ? 1 : 5;
    this.goWarmup = 1;
    this.jvmFlags = jvmFlags;
    this.only = only;
    this.dir = Files.createTempDirectory("ttrpc-bench");
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path doc = null;
    List<String> flags = DEFAULT_JVM_FLAGS;
    String only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--doc" -> doc = Path.of(args[++i]);
        case "--jvm" -> flags = Arrays.asList(args[++i].trim().split("\\s+"));
        case "--only" -> only = args[++i];
        default -> {
          System.err.println("usage: TtrpcBench [--quick] [--doc FILE] [--jvm FLAGS] [--only S]");
          System.exit(2);
        }
      }
    }
    TtrpcBench bench = new TtrpcBench(quick, flags, only);
    try {
      bench.runAll();
    } finally {
      bench.cleanUp();
    }
    String table = bench.table();
    System.out.println();
    System.out.print(table);
    System.out.println();
    bench.printBenchLines();
    if (doc != null) {
      writeDoc(doc, bench.docSection(table));
    }
  }

  // ---- scenarios ----

  private void runAll() {
    try {
      goBinary = GoPeer.binary();
    } catch (RuntimeException e) {
      notes.add("Go peer unavailable: " + e.getMessage().lines().findFirst().orElse(""));
      System.err.println("WARNING: no Go peer; Go columns stay empty: " + e.getMessage());
    }
    for (int payload : new int[] {SMALL, LARGE}) {
      String size = sizeName(payload);
      run("raw_rtt_" + size, javaServer(raw("server")), raw("rtt", "%s", payload, warmup, seconds));
      run(
          "java_rtt_" + size,
          javaServer(java("BenchServer")),
          java("BenchClient", "unary", "%s", payload, 1, warmup, seconds));
      runGo("go_rtt_" + size, payload, 1, goWarmup);
    }
    if (goBinary != null) {
      // Mixed pairs split the Java cost into its client and server halves.
      run(
          "java_client_go_server_rtt_32b",
          goServer(),
          java("BenchClient", "unary", "%s", SMALL, 1, warmup, seconds));
      run(
          "go_client_java_server_rtt_32b",
          javaServer(java("BenchServer")),
          goClient(SMALL, 1, warmup));
    }
    run(
        "java_pipelined_c" + CONCURRENCY,
        javaServer(java("BenchServer")),
        java("BenchClient", "unary", "%s", SMALL, CONCURRENCY, warmup, seconds, "virtual"));
    runGo("go_pipelined_c" + CONCURRENCY, SMALL, CONCURRENCY, goWarmup);
    run(
        "raw_stream_1mib",
        javaServer(raw("server")),
        raw("stream", "%s", MIB_PER_STREAM, warmup, seconds));
    run(
        "java_stream_1mib",
        javaServer(java("BenchServer")),
        java("BenchClient", "stream", "%s", MIB_PER_STREAM, warmup, seconds));
  }

  private void runGo(String name, int payload, int concurrency, double warm) {
    if (goBinary == null) {
      return;
    }
    run(name, goServer(), goClient(payload, concurrency, warm));
  }

  /** A client command; {@code "%s"} stands for the socket path. */
  private List<String> goClient(int payload, int concurrency, double warm) {
    return List.of(
        "GO",
        "%s",
        "-payload",
        Integer.toString(payload),
        "-seconds",
        num(seconds),
        "-concurrency",
        Integer.toString(concurrency),
        "-warmup",
        num(warm));
  }

  private List<String> raw(String mode, Object... args) {
    List<String> rest = new ArrayList<>();
    rest.add(mode);
    if (mode.equals("server")) {
      rest.add("%s");
    }
    for (Object a : args) {
      rest.add(a instanceof Double d ? num(d) : a.toString());
    }
    return java("RawPingPong", rest.toArray());
  }

  private List<String> java(String mainClass, Object... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(TtrpcBench.class.getPackageName() + "." + mainClass);
    if (mainClass.equals("BenchServer")) {
      command.add("%s");
    }
    for (Object a : args) {
      command.add(a instanceof Double d ? num(d) : a.toString());
    }
    return command;
  }

  private interface ServerStarter {
    Process start(Path socket);
  }

  /** Starts the server, runs the client to completion, stops the server, records the result. */
  private void run(String name, ServerStarter starter, List<String> clientCommand) {
    if (only != null && !name.contains(only)) {
      return;
    }
    System.err.printf("running %s ...%n", name);
    Path socket = dir.resolve("s" + (socketCounter++) + ".sock");
    Process server = null;
    try {
      server = starter.start(socket);
      Result r = runClient(substitute(clientCommand, socket));
      results.put(name, r);
      System.err.printf(
          Locale.ROOT,
          "  %s: calls=%d p50=%.1f us p99=%.1f us calls/s=%.0f GB/s=%.2f%n",
          name,
          r.calls(),
          r.p50(),
          r.p99(),
          r.callsPerSecond(),
          r.gbps());
    } catch (RuntimeException e) {
      System.err.println("  " + name + " FAILED: " + e.getMessage());
      notes.add(name + " failed: " + e.getMessage().lines().findFirst().orElse(""));
    } finally {
      if (server != null) {
        GoPeer.stop(server);
      }
    }
  }

  private static List<String> substitute(List<String> command, Path socket) {
    return command.stream().map(a -> a.equals("%s") ? socket.toString() : a).toList();
  }

  /** A server started from a Java command line. */
  private static ServerStarter javaServer(List<String> command) {
    return socket -> startServerProcess(substitute(command, socket));
  }

  private static ServerStarter goServer() {
    return socket -> GoPeer.start("bench-server", socket);
  }

  /** Starts a server process and waits for its READY line. */
  private static Process startServerProcess(List<String> command) {
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<Boolean> ready =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  String line;
                  while ((line = out.readLine()) != null) {
                    if (line.equals("READY")) {
                      return true;
                    }
                  }
                  return false;
                } catch (IOException e) {
                  return false;
                }
              });
      if (!ready.get(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("server exited before READY: " + command);
      }
      Thread.ofPlatform().daemon().start(() -> drain(out));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("server did not start: " + command + ": " + e, e);
    }
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // Discard.
      }
    } catch (IOException e) {
      // Gone.
    }
  }

  private Result runClient(List<String> command) {
    Duration timeout = Duration.ofSeconds((long) (warmup + seconds) + 60);
    if (command.get(0).equals("GO")) {
      // GO SOCKET FLAGS...: GoPeer.run passes -socket itself.
      Path socket = Path.of(command.get(1));
      String[] flags = command.subList(2, command.size()).toArray(new String[0]);
      GoPeer.Result r = GoPeer.run(timeout, "bench-client", socket, flags);
      if (r.exitCode() != 0) {
        throw new IllegalStateException("Go client failed (" + r.exitCode() + "): " + r.output());
      }
      return Result.parse(r.output());
    }
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      p.getOutputStream().close();
      CompletableFuture<String> output =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                  return "";
                }
              });
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("client timed out: " + command);
      }
      String text = output.get(10, TimeUnit.SECONDS);
      if (p.exitValue() != 0) {
        throw new IllegalStateException("client exited " + p.exitValue() + ": " + text);
      }
      return Result.parse(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private void cleanUp() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Temporary files only.
    }
  }

  // ---- reporting ----

  private Result get(String name) {
    return results.get(name);
  }

  private double p50(String name) {
    Result r = get(name);
    return r == null ? Double.NaN : r.p50();
  }

  private double p99(String name) {
    Result r = get(name);
    return r == null ? Double.NaN : r.p99();
  }

  private double callsPerSecond(String name) {
    Result r = get(name);
    return r == null ? Double.NaN : r.callsPerSecond();
  }

  private double gbps(String name) {
    Result r = get(name);
    return r == null ? Double.NaN : r.gbps();
  }

  private void printBenchLines() {
    for (String size : List.of(sizeName(SMALL), sizeName(LARGE))) {
      for (String who : List.of("java", "go", "raw")) {
        bench(who + "_rtt_" + size + "_p50", p50(who + "_rtt_" + size), "us");
        bench(who + "_rtt_" + size + "_p99", p99(who + "_rtt_" + size), "us");
      }
    }
    for (String mixed : List.of("java_client_go_server_rtt_32b", "go_client_java_server_rtt_32b")) {
      bench(mixed + "_p50", p50(mixed), "us");
      bench(mixed + "_p99", p99(mixed), "us");
    }
    for (String who : List.of("java", "go")) {
      String name = who + "_pipelined_c" + CONCURRENCY;
      bench(name + "_calls_per_s", callsPerSecond(name), "calls/s");
      bench(name + "_p50", p50(name), "us");
      bench(name + "_p99", p99(name), "us");
    }
    bench("raw_stream_1mib_gbps", gbps("raw_stream_1mib"), "GB/s");
    bench("java_stream_1mib_gbps", gbps("java_stream_1mib"), "GB/s");
    // The headline lines, last.
    bench("ttrpc_rtt_p50_vs_go", p50("java_rtt_32b") / p50("go_rtt_32b"), "x");
    bench("ttrpc_rtt_p50_vs_raw", p50("java_rtt_32b") / p50("raw_rtt_32b"), "x");
    bench("ttrpc_calls_per_s", callsPerSecond("java_pipelined_c" + CONCURRENCY), "calls/s");
    bench("ttrpc_stream_gbps", gbps("java_stream_1mib"), "GB/s");
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
    t.append("| Measurement | Java -> Java ttrpc | Go -> Go ttrpc | raw Java UDS | Java / Go |")
        .append(" Java / raw |\n");
    t.append("|---|---:|---:|---:|---:|---:|\n");
    for (int payload : new int[] {SMALL, LARGE}) {
      String size = sizeName(payload);
      String label = payload == SMALL ? "32 B" : "64 KiB";
      row(
          t,
          "unary RTT " + label + ", p50 (µs)",
          p50("java_rtt_" + size),
          p50("go_rtt_" + size),
          p50("raw_rtt_" + size),
          1);
      row(
          t,
          "unary RTT " + label + ", p99 (µs)",
          p99("java_rtt_" + size),
          p99("go_rtt_" + size),
          p99("raw_rtt_" + size),
          1);
    }
    String pipelined = "_pipelined_c" + CONCURRENCY;
    row(
        t,
        "pipelined unary 32 B, " + CONCURRENCY + " callers, 1 connection (calls/s)",
        callsPerSecond("java" + pipelined),
        callsPerSecond("go" + pipelined),
        Double.NaN,
        0);
    row(
        t,
        "  latency under that load, p50 / p99 (µs)",
        Double.NaN,
        Double.NaN,
        Double.NaN,
        1,
        pair(p50("java" + pipelined), p99("java" + pipelined)),
        pair(p50("go" + pipelined), p99("go" + pipelined)));
    row(
        t,
        "server-streaming 1 MiB BytesValue messages (GB/s)",
        gbps("java_stream_1mib"),
        Double.NaN,
        gbps("raw_stream_1mib"),
        2);
    t.append("\n");
    t.append("| Mixed pair, unary RTT 32 B | p50 (µs) | p99 (µs) |\n");
    t.append("|---|---:|---:|\n");
    for (String[] m :
        new String[][] {
          {"Java client -> Go server", "java_client_go_server_rtt_32b"},
          {"Go client -> Java server", "go_client_java_server_rtt_32b"}
        }) {
      t.append("| ")
          .append(m[0])
          .append(" | ")
          .append(fmt(p50(m[1]), 1))
          .append(" | ")
          .append(fmt(p99(m[1]), 1))
          .append(" |\n");
    }
    return t.toString();
  }

  private static String pair(double a, double b) {
    return Double.isNaN(a) ? "—" : fmt(a, 1) + " / " + fmt(b, 1);
  }

  private static void row(
      StringBuilder t, String label, double java, double go, double raw, int decimals) {
    row(t, label, java, go, raw, decimals, null, null);
  }

  private static void row(
      StringBuilder t,
      String label,
      double java,
      double go,
      double raw,
      int decimals,
      String javaText,
      String goText) {
    t.append("| ").append(label).append(" | ");
    t.append(javaText != null ? javaText : fmt(java, decimals)).append(" | ");
    t.append(goText != null ? goText : fmt(go, decimals)).append(" | ");
    t.append(fmt(raw, decimals)).append(" | ");
    t.append(ratio(java, go)).append(" | ").append(ratio(java, raw)).append(" |\n");
  }

  private static String ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? "—" : String.format(Locale.ROOT, "%.2f", a / b);
  }

  private static String fmt(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "—";
    }
    return decimals == 0
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String sizeName(int payload) {
    return payload == SMALL ? "32b" : "64k";
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
    s.append("Run of ").append(LocalDate.now()).append(": ").append(machine()).append("\n\n");
    s.append(table);
    s.append("\nChild JVM flags (servers and clients alike): `")
        .append(String.join(" ", jvmFlags))
        .append("`; phases: ")
        .append(num(warmup))
        .append(" s warm-up, then ")
        .append(num(seconds))
        .append(" s measured (Go clients: ")
        .append(num(goWarmup))
        .append(" s warm-up).\n");
    for (String note : notes) {
      s.append("\n- ").append(note);
    }
    s.append(END).append("\n");
    return s.toString();
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
