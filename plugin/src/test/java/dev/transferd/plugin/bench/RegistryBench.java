package dev.transferd.plugin.bench;

import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.plugin.transfer.TransferSettings;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code make bench-registry}: pull and push of a 1 GiB, 8-layer image against a local {@code
 * docker-registry}, ours beside {@code skopeo copy} and Debian's {@code ctr} in the same run.
 *
 * <p>Setup (not timed): an OCI layout of 8 gzip'd tar layers of random bytes, pushed by skopeo to a
 * source registry on 127.0.0.1. Then ours, in this fresh JVM, pulls and pushes the image once
 * (reported as {@code pull_ours_cold_s} and {@code push_ours_cold_s}) and once more untimed, so
 * that the rounds see the JIT-compiled daemon a node runs, not its first minute.
 *
 * <p>Each round, in an order rotating between rounds:
 *
 * <ul>
 *   <li>pull into an empty destination: ours (Transfer service on a unix socket, {@link
 *       dev.transferd.streams.client.TransferClient}, registry to a fresh embedded store), {@code
 *       skopeo copy docker://… oci:<fresh dir>}, and {@code ctr content fetch --plain-http} into a
 *       freshly started containerd with an empty root;
 *   <li>push what each one pulled, each to a freshly started second registry with empty storage (so
 *       no blob "already exists" and no cross-repository mount is possible): ours (image store to
 *       registry), {@code skopeo copy oci:<dir> docker://…}, {@code ctr images push --plain-http}.
 * </ul>
 *
 * Before each transfer the bench runs {@code sync} (untimed), so no tool pays for the writeback of
 * what the one before it left dirty. Each result is checked (image stored with every layer; pushed
 * manifest digest as built). Times are wall clock, with each peer's process start included (they
 * are CLIs; ours is a daemon). The {@code BENCH} lines are medians over the rounds and end with
 * {@code pull_vs_best} and {@code push_vs_best}: the best peer's time divided by ours (higher is
 * better).
 *
 * <p><b>The registry's floor for a push.</b> Each round also pushes the image with {@code curl}
 * alone: every blob at once, each a POST and a monolithic PUT of the file from the layout (in the
 * page cache), then the manifest. curl only reads and sends, so this is the time the registry
 * itself needs to receive 1 GiB; no client can push faster. It is reported as {@code
 * push_floor_curl_s}, and {@code push_floor_vs_best} (the best peer's time ÷ the floor) is the
 * largest {@code push_vs_best} any client could reach in that run.
 *
 * <p>Options: {@code --rounds N} (default 2), {@code --layers N} (8), {@code --layer-mib N} (128),
 * {@code --downloads N} and {@code --uploads N} (our service-wide limits; default 3 as the daemon),
 * {@code --fetch-buffer BYTES} (our {@code concurrent_layer_fetch_buffer}; default 0: one GET per
 * blob), {@code --tools ours,skopeo,ctr} (a subset, for profiling; then no summary lines).
 */
public final class RegistryBench {
  private static final String NAME = "bench:1";
  private static final List<String> ALL_TOOLS = List.of("ours", "skopeo", "ctr");

  private final Path work;
  private final BenchImage.Layout image;
  private final TestRegistry source;
  private final TransferSettings settings;
  private final String sourceRef;

  private final List<String> tools;

  /** Everything running, closed by a shutdown hook too (an interrupted bench leaves nothing). */
  private final List<AutoCloseable> open;

  private RegistryBench(
      List<AutoCloseable> open,
      List<String> tools,
      Path work,
      BenchImage.Layout image,
      TestRegistry source,
      String sourceRef,
      TransferSettings settings) {
    this.open = open;
    this.tools = tools;
    this.work = work;
    this.image = image;
    this.source = source;
    this.sourceRef = sourceRef;
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    int rounds = 2;
    int layers = 8;
    long layerMib = 128;
    TransferSettings settings = TransferSettings.DEFAULTS;
    List<String> tools = ALL_TOOLS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--layers" -> layers = Integer.parseInt(args[++i]);
        case "--layer-mib" -> layerMib = Long.parseLong(args[++i]);
        case "--downloads" ->
            settings = settings.withMaxConcurrentDownloads(Integer.parseInt(args[++i]));
        case "--tools" -> tools = List.of(args[++i].split(","));
        case "--uploads" ->
            settings = settings.withMaxConcurrentUploadedLayers(Integer.parseInt(args[++i]));
        case "--fetch-buffer" ->
            settings = settings.withConcurrentLayerFetchBuffer(Long.parseLong(args[++i]));
        default -> {
          System.err.println(
              "usage: RegistryBench [--rounds N] [--layers N] [--layer-mib N] [--downloads N]"
                  + " [--uploads N] [--fetch-buffer BYTES] [--tools ours,skopeo,ctr]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory(Path.of("/tmp"), "registry-bench");
    List<AutoCloseable> toClose = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread cleanup = new Thread(() -> closeAll(toClose, work));
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      long t0 = System.nanoTime();
      BenchImage.Layout layout =
          BenchImage.write(work.resolve("layout"), layers, layerMib << 20, 42);
      note(
          "built %d-layer image, %.2f GiB, in %.1f s",
          layers, layout.totalBytes() / (double) (1L << 30), seconds(t0));
      TestRegistry source = TestRegistry.plain(work.resolve("source-registry"));
      toClose.add(source);
      String ref = source.host() + "/bench/image:v1";
      t0 = System.nanoTime();
      run(
          work.resolve("setup-push.log"),
          "skopeo",
          "--insecure-policy",
          "copy",
          "--dest-tls-verify=false",
          "oci:" + layout.dir() + ":latest",
          "docker://" + ref);
      note("skopeo pushed it to %s in %.1f s (setup)", ref, seconds(t0));
      RegistryBench bench = new RegistryBench(toClose, tools, work, layout, source, ref, settings);
      double[] cold = bench.warmUp();
      Map<String, List<Double>> pull = new LinkedHashMap<>();
      Map<String, List<Double>> push = new LinkedHashMap<>();
      for (String t : tools) {
        pull.put(t, new ArrayList<>());
        push.put(t, new ArrayList<>());
      }
      List<Double> floor = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        bench.round(round, pull, push, floor);
      }
      if (tools.equals(ALL_TOOLS)) {
        report(pull, push, floor, cold);
      }
    } finally {
      closeAll(toClose, work);
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  /**
   * Ours in a fresh JVM: the first pull and push of the image are measured as "cold" (reported, not
   * compared: the peers are ahead-of-time compiled CLIs, ours is a daemon that stays up), then one
   * more untimed pass lets C2 finish compiling the hot paths (it takes about 2 GiB moved on this
   * 2-CPU VM), as a daemon that has done a few transfers is.
   */
  private double[] warmUp() throws Exception {
    double[] cold = new double[2];
    if (!tools.contains("ours")) {
      return cold;
    }
    for (int pass = 0; pass < 2; pass++) {
      Path dir = work.resolve("warm-" + pass);
      try (OurTransferd ours = OurTransferd.start(dir.resolve("ours"), settings);
          TestRegistry target = TestRegistry.plain(dir.resolve("registry"))) {
        open.add(ours);
        open.add(target);
        long t0 = System.nanoTime();
        ours.pull(sourceRef, NAME);
        double pulled = seconds(t0);
        t0 = System.nanoTime();
        ours.push(NAME, target.host() + "/bench/warm:v1");
        double pushed = seconds(t0);
        note(
            "%s pass: pull ours %6.2f s, push ours %6.2f s",
            pass == 0 ? "cold" : "warm-up", pulled, pushed);
        if (pass == 0) {
          cold[0] = pulled;
          cold[1] = pushed;
        }
        open.remove(ours);
        open.remove(target);
      }
      delete(dir);
    }
    return cold;
  }

  /** What each tool pulled into, kept for its push. */
  private final class Pulled implements AutoCloseable {
    OurTransferd ours;
    Path skopeoDir;
    BenchContainerd containerd;

    @Override
    public void close() throws Exception {
      if (ours != null) {
        ours.close();
      }
      if (containerd != null) {
        containerd.close();
      }
    }
  }

  private void round(
      int round, Map<String, List<Double>> pull, Map<String, List<Double>> push, List<Double> floor)
      throws Exception {
    Path dir = work.resolve("round-" + round);
    Files.createDirectories(dir);
    List<String> order = rotated(tools, round);
    try (Pulled pulled = new Pulled()) {
      open.add(pulled);
      pulled.ours = OurTransferd.start(dir.resolve("ours"), settings);
      pulled.skopeoDir = dir.resolve("skopeo-oci");
      if (tools.contains("ctr")) {
        pulled.containerd = BenchContainerd.start(dir.resolve("containerd"));
      }
      for (String tool : order) {
        settle(dir);
        Duration cpu0 = source.cpuTime();
        Duration client0 = clientCpu();
        double s = timePull(tool, pulled, dir);
        pull.get(tool).add(s);
        note(
            "round %d pull %-6s %6.2f s  (%.0f MB/s; registry CPU %.1f s; client CPU %.1f s)",
            round + 1,
            tool,
            s,
            mbps(s),
            cpuSeconds(source.cpuTime().minus(cpu0)),
            cpuSeconds(clientCpu().minus(client0)));
      }
      for (String tool : order) {
        Path regDir = dir.resolve("push-registry-" + tool);
        try (TestRegistry target = TestRegistry.plain(regDir)) {
          open.add(target);
          String ref = target.host() + "/bench/pushed-" + tool + "-" + round + ":v1";
          settle(dir);
          Duration client0 = clientCpu();
          double s = timePush(tool, pulled, ref, dir);
          double clientCpu = cpuSeconds(clientCpu().minus(client0));
          double registryCpu = cpuSeconds(target.cpuTime());
          checkPushed(ref, dir);
          push.get(tool).add(s);
          note(
              "round %d push %-6s %6.2f s  (%.0f MB/s; registry CPU %.1f s; client CPU %.1f s)",
              round + 1, tool, s, mbps(s), registryCpu, clientCpu);
          open.remove(target);
        }
        delete(regDir);
      }
      if (tools.equals(ALL_TOOLS)) {
        floor.add(timeCurlPush(round, dir));
      }
      open.remove(pulled);
    }
    delete(dir);
  }

  private double timePull(String tool, Pulled p, Path dir) throws Exception {
    long t0 = System.nanoTime();
    switch (tool) {
      case "ours" -> p.ours.pull(sourceRef, NAME);
      case "skopeo" ->
          run(
              dir.resolve("skopeo-pull.log"),
              "skopeo",
              "--insecure-policy",
              "copy",
              "--src-tls-verify=false",
              "docker://" + sourceRef,
              "oci:" + p.skopeoDir + ":latest");
      case "ctr" ->
          run(
              dir.resolve("ctr-pull.log"),
              p.containerd.ctr("content", "fetch", "--plain-http", sourceRef));
      default -> throw new IllegalArgumentException(tool);
    }
    double s = seconds(t0);
    checkPulled(tool, p, dir);
    return s;
  }

  private double timePush(String tool, Pulled p, String ref, Path dir) throws Exception {
    long t0 = System.nanoTime();
    switch (tool) {
      case "ours" -> p.ours.push(NAME, ref);
      case "skopeo" ->
          run(
              dir.resolve("skopeo-push.log"),
              "skopeo",
              "--insecure-policy",
              "copy",
              "--dest-tls-verify=false",
              "oci:" + p.skopeoDir + ":latest",
              "docker://" + ref);
      case "ctr" ->
          run(
              dir.resolve("ctr-push.log"),
              p.containerd.ctr("images", "push", "--plain-http", ref, sourceRef));
      default -> throw new IllegalArgumentException(tool);
    }
    return seconds(t0);
  }

  /**
   * Untimed, before each transfer: {@code sync}, so that no transfer pays for the writeback of the
   * gigabyte the previous tool left dirty in the page cache (skopeo and containerd write through
   * it; ours writes large blobs with O_DIRECT, which would otherwise queue behind that writeback).
   */
  private static void settle(Path dir) throws Exception {
    run(dir.resolve("sync.log"), "sync");
  }

  /** The registry's floor for this round's push (see the class comment), checked like the rest. */
  private double timeCurlPush(int round, Path dir) throws Exception {
    Path regDir = dir.resolve("push-registry-floor");
    try (TestRegistry target = TestRegistry.plain(regDir)) {
      open.add(target);
      String repo = "bench/pushed-floor-" + round;
      String base = "http://" + target.host() + "/v2/" + repo;
      List<BenchImage.Blob> blobs = new ArrayList<>(image.layers());
      blobs.add(image.config());
      settle(dir);
      long t0 = System.nanoTime();
      try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<String>> uploads = new ArrayList<>();
        for (BenchImage.Blob b : blobs) {
          uploads.add(threads.submit(() -> curlUpload(base, b, dir)));
        }
        for (Future<String> f : uploads) {
          f.get();
        }
      }
      curlPut(
          dir.resolve("curl-manifest.log"),
          image.manifest().mediaType(),
          "--data-binary",
          "@" + blobFile(image.manifest()),
          base + "/manifests/v1");
      double s = seconds(t0);
      double registryCpu = cpuSeconds(target.cpuTime());
      checkPushed(target.host() + "/" + repo + ":v1", dir);
      note(
          "round %d push %-6s %6.2f s  (%.0f MB/s; registry CPU %.1f s; curl, the registry's floor)",
          round + 1, "floor", s, mbps(s), registryCpu);
      open.remove(target);
      return s;
    } finally {
      delete(regDir);
    }
  }

  /** POST for an upload, then the whole blob in one PUT; returns the blob's digest. */
  private String curlUpload(String base, BenchImage.Blob blob, Path dir) throws Exception {
    String name = blob.digest().substring(7, 19);
    String headers =
        run(
            dir.resolve("curl-post-" + name + ".log"),
            "curl",
            "-sS",
            "-f",
            "-X",
            "POST",
            "-D",
            "-",
            "-o",
            "/dev/null",
            base + "/blobs/uploads/");
    String location = null;
    for (String line : headers.split("\r?\n")) {
      if (line.regionMatches(true, 0, "Location:", 0, 9)) {
        location = line.substring(9).trim();
      }
    }
    if (location == null) {
      throw new IllegalStateException("no Location in the upload POST's answer:\n" + headers);
    }
    if (location.startsWith("/")) {
      location = base.substring(0, base.indexOf("/v2/")) + location;
    }
    curlPut(
        dir.resolve("curl-put-" + name + ".log"),
        "application/octet-stream",
        "-T",
        blobFile(blob).toString(),
        location + (location.contains("?") ? "&" : "?") + "digest=" + blob.digest());
    return blob.digest();
  }

  /** {@code curl -X PUT} of a body given by {@code body} (curl's options for it) to {@code url}. */
  private static void curlPut(
      Path log, String contentType, String bodyOption, String body, String url) throws Exception {
    run(
        log,
        "curl",
        "-sS",
        "-f",
        "-X",
        "PUT",
        "-H",
        "Content-Type: " + contentType,
        bodyOption,
        body,
        url);
  }

  private Path blobFile(BenchImage.Blob blob) {
    return image.dir().resolve("blobs/sha256").resolve(blob.digest().substring(7));
  }

  /** Every layer arrived, and the image points at the manifest that was built. */
  private void checkPulled(String tool, Pulled p, Path dir) throws Exception {
    List<String> missing = new ArrayList<>();
    String manifest = image.manifest().digest();
    switch (tool) {
      case "ours" -> {
        if (!manifest.equals(p.ours.imageTarget(NAME))) {
          missing.add("image " + NAME + " -> " + manifest);
        }
        for (BenchImage.Blob b : image.layers()) {
          if (!p.ours.hasContent(b.digest())) {
            missing.add(b.digest());
          }
        }
      }
      case "skopeo" -> {
        for (BenchImage.Blob b : image.layers()) {
          Path f = p.skopeoDir.resolve("blobs/sha256").resolve(b.digest().substring(7));
          if (!Files.exists(f) || Files.size(f) != b.size()) {
            missing.add(b.digest());
          }
        }
      }
      case "ctr" -> {
        String listed = run(dir.resolve("ctr-ls.log"), p.containerd.ctr("content", "ls", "-q"));
        for (BenchImage.Blob b : image.layers()) {
          if (!listed.contains(b.digest())) {
            missing.add(b.digest());
          }
        }
        if (!listed.contains(manifest)) {
          missing.add(manifest);
        }
      }
      default -> throw new IllegalArgumentException(tool);
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(tool + " pull is missing " + missing);
    }
  }

  /** The registry serves the pushed tag with the manifest that was built (its blobs checked). */
  private void checkPushed(String ref, Path dir) throws Exception {
    Path raw = dir.resolve("pushed-manifest.json");
    run(
        dir.resolve("inspect.log"),
        "sh",
        "-c",
        "skopeo inspect --raw --tls-verify=false 'docker://" + ref + "' > '" + raw + "'");
    String got = BenchImage.sha256(Files.readAllBytes(raw));
    if (!got.equals(image.manifest().digest())) {
      throw new IllegalStateException(
          ref + " serves manifest " + got + ", expected " + image.manifest().digest());
    }
  }

  private static List<String> rotated(List<String> tools, int round) {
    List<String> order = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      order.add(tools.get((i + round) % tools.size()));
    }
    return order;
  }

  private double mbps(double s) {
    return image.totalBytes() / s / 1e6;
  }

  private static void report(
      Map<String, List<Double>> pull,
      Map<String, List<Double>> push,
      List<Double> floor,
      double[] cold) {
    System.out.println();
    System.out.println("| | ours (s) | skopeo (s) | ctr (s) |");
    System.out.println("|---|---:|---:|---:|");
    row("pull", pull);
    row("push", push);
    System.out.println();
    for (String t : ALL_TOOLS) {
      System.out.printf(Locale.ROOT, "BENCH pull_%s_s %.2f s%n", t, median(pull.get(t)));
    }
    for (String t : ALL_TOOLS) {
      System.out.printf(Locale.ROOT, "BENCH push_%s_s %.2f s%n", t, median(push.get(t)));
    }
    System.out.printf(Locale.ROOT, "BENCH push_floor_curl_s %.2f s%n", median(floor));
    System.out.printf(
        Locale.ROOT,
        "BENCH push_floor_vs_best %.2f x%n",
        Math.min(median(push.get("skopeo")), median(push.get("ctr"))) / median(floor));
    System.out.printf(Locale.ROOT, "BENCH pull_ours_cold_s %.2f s%n", cold[0]);
    System.out.printf(Locale.ROOT, "BENCH push_ours_cold_s %.2f s%n", cold[1]);
    System.out.printf(Locale.ROOT, "BENCH pull_vs_best %.2f x%n", vsBest(pull));
    System.out.printf(Locale.ROOT, "BENCH push_vs_best %.2f x%n", vsBest(push));
  }

  private static void row(String what, Map<String, List<Double>> times) {
    StringBuilder sb = new StringBuilder("| " + what + " |");
    for (String t : ALL_TOOLS) {
      List<Double> v = times.get(t).stream().sorted().toList();
      sb.append(
          String.format(Locale.ROOT, " %.2f (%.2f–%.2f) |", median(v), v.getFirst(), v.getLast()));
    }
    System.out.println(sb);
  }

  private static double vsBest(Map<String, List<Double>> times) {
    double best = Math.min(median(times.get("skopeo")), median(times.get("ctr")));
    return best / median(times.get("ours"));
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /**
   * CPU time of the client side: this JVM (ours runs in it) plus the children it has waited for
   * ({@code cutime + cstime} in {@code /proc/self/stat}: skopeo and ctr, whose processes end with
   * their transfer). The containerd that serves ctr is a long-lived child and is not included.
   */
  private static Duration clientCpu() {
    Duration self = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // After the command: state is field 3; cutime and cstime are fields 16 and 17.
      long ticks = Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3]);
      return self.plusMillis(ticks * 10); // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return self;
    }
  }

  private static double cpuSeconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void note(String format, Object... args) {
    System.err.printf(Locale.ROOT, format + "%n", args);
  }

  private static String run(Path log, String... cmd) throws Exception {
    return run(log, List.of(cmd));
  }

  /** Runs {@code cmd} with its output in {@code log}; fails with that output unless it exits 0. */
  private static String run(Path log, List<String> cmd) throws Exception {
    File out = log.toFile();
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 30 min");
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + text);
    }
    return text;
  }

  private static void closeAll(List<AutoCloseable> open, Path work) {
    for (AutoCloseable c : List.copyOf(open).reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("cleanup: " + e);
      }
    }
    open.clear();
    try {
      delete(work);
    } catch (IOException e) {
      System.err.println("cleanup of " + work + ": " + e);
    }
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
