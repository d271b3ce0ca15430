package dev.transferd.plugin.bench;

import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-streams}: byte-stream throughput of the Transfer echo (import stream to export
 * stream) over a real unix socket, client in this JVM and each server in a child JVM. Each setting
 * runs both ends with the same window and chunk: containerd's 64 KiB / 32 KiB first, then larger
 * ones. Throughput counts the bytes echoed (each crosses the socket twice) per second of wall time.
 *
 * <p>This VM's wake-up costs drift within minutes, so one server per setting runs for the whole
 * bench, each first warmed up for 8 s (JIT), then the settings are measured in interleaved rounds
 * (order rotating; 1 s warm-up, 4 s measured), and each result is the median over the rounds, with
 * min–max.
 *
 * <p>Besides wall-clock throughput it reports the CPU time both processes (client and server) spent
 * per GiB echoed, which drifts less than wall time on a shared machine.
 *
 * <p><b>The floor.</b> Where a C compiler ({@code cc}) is found, the same rounds also run {@code
 * plugin/src/test/c/credit_echo.c} at containerd's sizes and at 1 MiB / 256 KiB: two processes, one
 * thread each, doing only the byte streams' credit protocol over a unix socket, with no protobuf
 * and no JVM. It is what this machine's kernel and wake-ups allow for the pattern, so {@code
 * bytestream_echo_vs_floor} (ours ÷ the floor, median of the per-round ratios) says how much of the
 * gap to a target is ours.
 *
 * <p>Prints a table and {@code BENCH <name> <value> <unit>} lines, ending with {@code
 * bytestream_echo_gbps} (containerd's settings) and {@code bytestream_echo_wide_gbps} (the best
 * larger setting).
 *
 * <p>Options: {@code --quick} (one short round), {@code --rounds N}, {@code --jvm "FLAGS"} (server
 * JVM flags), {@code --only NAME} (one setting, e.g. {@code 64k_32k}; then no summary lines),
 * {@code --no-floor}.
 */
public final class StreamsBench {
  private static final List<String> SERVER_FLAGS = List.of("-Xms256m", "-Xmx256m");

  /** The C floor's source, relative to the repository root (where make runs the bench). */
  private static final String FLOOR_SOURCE = "plugin/src/test/c/credit_echo.c";

  /** One setting: both ends use it. */
  record Setting(String name, int window, int chunk) {
    ByteStreamSettings settings() {
      return new ByteStreamSettings(window, chunk);
    }
  }

  private static final List<Setting> SETTINGS =
      List.of(
          new Setting("64k_32k", 64 << 10, 32 << 10),
          new Setting("256k_64k", 256 << 10, 64 << 10),
          new Setting("1m_256k", 1 << 20, 256 << 10),
          new Setting("4m_1m", 4 << 20, 1 << 20));

  /** Something measured in the rounds: ours at a setting, or the C floor at one. */
  private interface Runner extends AutoCloseable {
    Setting setting();

    /** The row's name in the table and in {@code BENCH} lines. */
    String name();

    /** GB/s, CPU-s per GiB (both processes), context switches per 64 KiB (0 if not known). */
    double[] measure(double warmup, double seconds) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** A setting's server process and the client talking to it. */
  private record Target(Setting setting, Process server, TtrpcClient ttrpc, TransferClient client)
      implements Runner {
    @Override
    public String name() {
      return setting.name();
    }

    @Override
    public double[] measure(double warmup, double seconds) throws IOException {
      return StreamsBench.measure(this, warmup, seconds);
    }

    @Override
    public void close() throws IOException {
      ttrpc.close();
      stop(server);
    }
  }

  /** The C floor's server at a setting; each measurement runs its client as a process. */
  private record Floor(Setting setting, Path binary, Path socket, Process server)
      implements Runner {
    static final List<String> SETTINGS = List.of("64k_32k", "1m_256k");

    @Override
    public String name() {
      return "floor_c_" + setting.name();
    }

    @Override
    public double[] measure(double warmup, double seconds) throws IOException {
      List<String> command =
          List.of(
              binary.toString(),
              "client",
              socket.toString(),
              Integer.toString(setting.window()),
              Integer.toString(setting.chunk()),
              Double.toString(warmup),
              Double.toString(Math.max(seconds, 0.5)),
              Long.toString(server.pid()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      try {
        if (p.waitFor() != 0 || !out.startsWith("FLOOR ")) {
          throw new IOException("C floor client failed: " + out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      String[] f = out.split("\\s+");
      return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), 0};
    }

    @Override
    public void close() throws IOException {
      server.destroy();
      try {
        server.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private StreamsBench() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    int rounds = 3;
    List<String> serverFlags = SERVER_FLAGS;
    String only = null;
    boolean floor = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--jvm" -> serverFlags = List.of(args[++i].trim().split("\\s+"));
        case "--only" -> only = args[++i];
        case "--no-floor" -> floor = false;
        default -> {
          System.err.println(
              "usage: StreamsBench [--quick] [--rounds N] [--jvm FLAGS] [--only SETTING] [--no-floor]");
          System.exit(2);
        }
      }
    }
    if (quick) {
      rounds = 1;
    }
    double firstWarmup = quick ? 1 : 8; // per server JVM: C2 needs 10-15 s on this 2-CPU VM
    double warmup = 1;
    double seconds = quick ? 2 : 4;
    Path dir = Files.createTempDirectory("streams-bench");
    List<Runner> runners = new ArrayList<>();
    try {
      for (Setting s : SETTINGS) {
        if (only == null || s.name().equals(only)) {
          Target t = connect(dir, s, serverFlags);
          runners.add(t);
          measure(t, firstWarmup, 0);
        }
      }
      int ours = runners.size();
      if (floor) {
        runners.addAll(startFloors(dir, only));
      }
      double[][] results = new double[runners.size()][rounds];
      double[][] cpu = new double[runners.size()][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < runners.size(); k++) {
          int t = (k + round) % runners.size();
          double[] r = runners.get(t).measure(warmup, seconds);
          results[t][round] = r[0];
          cpu[t][round] = r[1];
          System.err.printf(
              Locale.ROOT,
              "round %d %s: %.3f GB/s, %.2f CPU-s/GiB%s%n",
              round + 1,
              runners.get(t).name(),
              r[0],
              r[1],
              r[2] == 0
                  ? ""
                  : String.format(Locale.ROOT, ", %.1f context switches per 64 KiB", r[2]));
        }
      }
      report(runners, ours, results, cpu, only == null);
    } finally {
      for (Runner r : runners) {
        r.close();
      }
    }
  }

  /**
   * Compiles the C floor and starts its servers, or says why not and returns none: the bench is
   * about ours, the floor only puts it in context.
   */
  private static List<Runner> startFloors(Path dir, String only) throws IOException {
    Path source = Path.of(System.getProperty("bench.floor.source", FLOOR_SOURCE));
    Path binary = dir.resolve("credit_echo");
    List<Runner> floors = new ArrayList<>();
    if (!Files.isRegularFile(source)) {
      System.err.println("no C floor: " + source + " not found (run from the repository root)");
      return floors;
    }
    try {
      Process cc =
          new ProcessBuilder("cc", "-O2", "-o", binary.toString(), source.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (cc.waitFor() != 0) {
        System.err.println("no C floor: cc failed: " + out.trim());
        return floors;
      }
    } catch (IOException e) {
      System.err.println("no C floor: no C compiler (" + e.getMessage() + ")");
      return floors;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    for (Setting s : SETTINGS) {
      if (Floor.SETTINGS.contains(s.name()) && (only == null || s.name().equals(only))) {
        Path socket = dir.resolve("floor-" + s.name() + ".sock");
        Process server =
            new ProcessBuilder(
                    binary.toString(),
                    "server",
                    socket.toString(),
                    Integer.toString(s.window()),
                    Integer.toString(s.chunk()))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        awaitReady(server, "C floor server");
        floors.add(new Floor(s, binary, socket, server));
      }
    }
    return floors;
  }

  private static void report(
      List<Runner> runners, int ours, double[][] results, double[][] cpu, boolean summary) {
    System.out.println();
    System.out.println(
        "| echo | window / chunk (both ends) | GB/s, median (min–max) | CPU-s per GiB, median |");
    System.out.println("|---|---|---:|---:|");
    double[] medians = new double[runners.size()];
    for (int t = 0; t < runners.size(); t++) {
      double[] r = results[t].clone();
      Arrays.sort(r);
      medians[t] = r[r.length / 2];
      Setting s = runners.get(t).setting();
      System.out.printf(
          Locale.ROOT,
          "| %s | %s / %s | %.3f (%.3f–%.3f) | %.2f |%n",
          t < ours ? "transferd" : "C floor",
          size(s.window()),
          size(s.chunk()),
          medians[t],
          r[0],
          r[r.length - 1],
          median(cpu[t]));
    }
    System.out.println();
    for (int t = 0; t < runners.size(); t++) {
      String name = runners.get(t).name();
      System.out.printf(Locale.ROOT, "BENCH bytestream_echo_%s_gbps %.3f GB/s%n", name, medians[t]);
      System.out.printf(
          Locale.ROOT, "BENCH bytestream_echo_%s_cpu_s_per_gib %.2f s%n", name, median(cpu[t]));
    }
    for (int f = ours; f < runners.size(); f++) {
      for (int t = 0; t < ours; t++) {
        if (runners.get(t).setting().equals(runners.get(f).setting())) {
          double[] ratios = new double[results[t].length];
          for (int round = 0; round < ratios.length; round++) {
            ratios[round] = results[t][round] / results[f][round];
          }
          System.out.printf(
              Locale.ROOT,
              "BENCH bytestream_echo_%s_vs_floor %.2f x%n",
              runners.get(t).name(),
              median(ratios));
        }
      }
    }
    if (summary) {
      double wide = 0;
      for (int t = 1; t < ours; t++) {
        wide = Math.max(wide, medians[t]);
      }
      System.out.printf(Locale.ROOT, "BENCH bytestream_echo_gbps %.3f GB/s%n", medians[0]);
      System.out.printf(Locale.ROOT, "BENCH bytestream_echo_wide_gbps %.3f GB/s%n", wide);
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static String size(int bytes) {
    return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
  }

  private static Target connect(Path dir, Setting setting, List<String> serverFlags)
      throws IOException {
    Path socket = dir.resolve(setting.name() + ".sock");
    Process server = startServer(socket, setting, serverFlags);
    TtrpcClient ttrpc = TtrpcClient.connect(socket);
    TransferClient client = TransferClient.builder(ttrpc).byteStreams(setting.settings()).build();
    return new Target(setting, server, ttrpc, client);
  }

  /**
   * Echoes back to back: warm-up, then measured; returns GB/s over the measured window and the CPU
   * seconds both processes spent per GiB echoed.
   */
  static double[] measure(Target target, double warmup, double seconds) throws IOException {
    TransferClient client = target.client();
    long perEcho = 128L << 20;
    long warmupEnd = System.nanoTime() + (long) (warmup * 1e9);
    while (System.nanoTime() < warmupEnd) {
      echo(client, perEcho);
    }
    long bytes = 0;
    long switchesStart = contextSwitches(target.server());
    long cpuStart = cpuNanos(target.server());
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      bytes += echo(client, perEcho);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (cpuNanos(target.server()) - cpuStart) / 1e9;
    long switches = contextSwitches(target.server()) - switchesStart;
    if (seconds == 0 || bytes == 0) {
      return new double[] {0, 0, 0};
    }
    return new double[] {
      bytes / elapsed / 1e9,
      cpuSeconds / (bytes / (double) (1L << 30)),
      switches / (bytes / 65536.0)
    };
  }

  /**
   * Context switches (voluntary and not) of the live threads of this process and the server so far,
   * from {@code /proc} (Linux only; 0 elsewhere). Threads that ended meanwhile are not counted, so
   * this is a lower bound; carriers and event loops live for the whole run.
   */
  private static long contextSwitches(Process server) {
    return contextSwitches(ProcessHandle.current().pid()) + contextSwitches(server.pid());
  }

  private static long contextSwitches(long pid) {
    long total = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException e) {
          // The thread ended while we looked.
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return total;
  }

  /** CPU time (user + system) of this process and the server process so far. */
  private static long cpuNanos(Process server) {
    return cpuNanos(ProcessHandle.current()) + cpuNanos(server.toHandle());
  }

  private static long cpuNanos(ProcessHandle process) {
    return process
        .info()
        .totalCpuDuration()
        .map(java.time.Duration::toNanos)
        .orElseThrow(() -> new IllegalStateException("no CPU time for process " + process.pid()));
  }

  private static long echo(TransferClient client, long size) throws IOException {
    CountingSink sink = new CountingSink();
    client.transfer(ImportArchive.from(new PatternSource(size)), ExportArchive.to(sink));
    if (sink.count != size) {
      throw new IllegalStateException("echoed " + sink.count + " of " + size + " bytes");
    }
    return size;
  }

  private static Process startServer(Path socket, Setting setting, List<String> flags)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags);
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(EchoBenchServer.class.getName());
    command.add(socket.toString());
    command.add(Integer.toString(setting.window()));
    command.add(Integer.toString(setting.chunk()));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    awaitReady(p, "bench server");
    return p;
  }

  /** Waits for {@code READY} on the process's output, passing on what it prints before. */
  private static void awaitReady(Process p, String what) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("READY")) {
      System.err.println(what + ": " + line); // JVM notices, e.g. a flight recording starting
    }
    if (line == null) {
      p.destroyForcibly();
      throw new IOException(what + " exited before it was ready");
    }
  }

  /** Ends an echo server: it exits when its stdin closes. */
  private static void stop(Process server) throws IOException {
    server.getOutputStream().close();
    try {
      if (!server.waitFor(5, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.destroyForcibly();
    }
  }

  /** {@code size} bytes of a repeated random 1 MiB block: cheap to produce, not compressible. */
  private static final class PatternSource extends InputStream {
    private static final byte[] BLOCK = new byte[1 << 20];

    static {
      new SplittableRandom(1).nextBytes(BLOCK);
    }

    private long left;
    private int at;

    PatternSource(long size) {
      this.left = size;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException("read in blocks");
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, left), BLOCK.length - at);
      System.arraycopy(BLOCK, at, b, off, n);
      at = (at + n) % BLOCK.length;
      left -= n;
      return n;
    }
  }

  /** Counts what is written. */
  private static final class CountingSink extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
