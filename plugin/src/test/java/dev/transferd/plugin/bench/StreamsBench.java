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
 * <p>Prints a table and {@code BENCH <name> <value> <unit>} lines, ending with {@code
 * bytestream_echo_gbps} (containerd's settings) and {@code bytestream_echo_wide_gbps} (the best
 * larger setting).
 *
 * <p>Options: {@code --quick} (one short round), {@code --rounds N}, {@code --jvm "FLAGS"} (server
 * JVM flags), {@code --only NAME} (one setting, e.g. {@code 64k_32k}; then no summary lines).
 */
public final class StreamsBench {
  private static final List<String> SERVER_FLAGS = List.of("-Xms256m", "-Xmx256m");

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

  /** A setting's server process and the client talking to it. */
  private record Target(
      Setting setting, Process server, TtrpcClient ttrpc, TransferClient client) {}

  private StreamsBench() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    int rounds = 3;
    List<String> serverFlags = SERVER_FLAGS;
    String only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--jvm" -> serverFlags = List.of(args[++i].trim().split("\\s+"));
        case "--only" -> only = args[++i];
        default -> {
          System.err.println(
              "usage: StreamsBench [--quick] [--rounds N] [--jvm FLAGS] [--only SETTING]");
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
    List<Target> targets = new ArrayList<>();
    try {
      for (Setting s : SETTINGS) {
        if (only == null || s.name().equals(only)) {
          targets.add(connect(dir, s, serverFlags));
        }
      }
      for (Target t : targets) {
        measure(t, firstWarmup, 0);
      }
      double[][] results = new double[targets.size()][rounds];
      double[][] cpu = new double[targets.size()][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < targets.size(); k++) {
          int t = (k + round) % targets.size();
          double[] r = measure(targets.get(t), warmup, seconds);
          results[t][round] = r[0];
          cpu[t][round] = r[1];
          System.err.printf(
              Locale.ROOT,
              "round %d %s: %.3f GB/s, %.2f CPU-s/GiB, %.1f context switches per 64 KiB%n",
              round + 1,
              targets.get(t).setting().name(),
              r[0],
              r[1],
              r[2]);
        }
      }
      report(targets, results, cpu, only == null);
    } finally {
      for (Target t : targets) {
        t.ttrpc().close();
        t.server().getOutputStream().close();
        if (!t.server().waitFor(5, TimeUnit.SECONDS)) {
          t.server().destroyForcibly();
        }
      }
    }
  }

  private static void report(
      List<Target> targets, double[][] results, double[][] cpu, boolean summary) {
    System.out.println();
    System.out.println(
        "| window / chunk (both ends) | echo GB/s, median (min–max) | CPU-s per GiB, median |");
    System.out.println("|---|---:|---:|");
    double[] medians = new double[targets.size()];
    double[] cpuMedians = new double[targets.size()];
    for (int t = 0; t < targets.size(); t++) {
      double[] r = results[t].clone();
      Arrays.sort(r);
      medians[t] = r[r.length / 2];
      double[] c = cpu[t].clone();
      Arrays.sort(c);
      cpuMedians[t] = c[c.length / 2];
      Setting s = targets.get(t).setting();
      System.out.printf(
          Locale.ROOT,
          "| %s / %s | %.3f (%.3f–%.3f) | %.2f |%n",
          size(s.window()),
          size(s.chunk()),
          medians[t],
          r[0],
          r[r.length - 1],
          cpuMedians[t]);
    }
    System.out.println();
    for (int t = 0; t < targets.size(); t++) {
      System.out.printf(
          Locale.ROOT,
          "BENCH bytestream_echo_%s_gbps %.3f GB/s%n",
          targets.get(t).setting().name(),
          medians[t]);
      System.out.printf(
          Locale.ROOT,
          "BENCH bytestream_echo_%s_cpu_s_per_gib %.2f s%n",
          targets.get(t).setting().name(),
          cpuMedians[t]);
    }
    if (summary) {
      double wide = 0;
      for (int t = 1; t < targets.size(); t++) {
        wide = Math.max(wide, medians[t]);
      }
      System.out.printf(Locale.ROOT, "BENCH bytestream_echo_gbps %.3f GB/s%n", medians[0]);
      System.out.printf(Locale.ROOT, "BENCH bytestream_echo_wide_gbps %.3f GB/s%n", wide);
    }
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
  private static double[] measure(Target target, double warmup, double seconds) throws IOException {
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
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("READY")) {
      System.err.println("server: " + line); // JVM notices, e.g. a flight recording starting
    }
    if (line == null) {
      p.destroyForcibly();
      throw new IOException("bench server exited before it was ready");
    }
    return p;
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
