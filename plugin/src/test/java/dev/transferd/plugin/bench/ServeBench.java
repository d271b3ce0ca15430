package dev.transferd.plugin.bench;

import dev.transferd.plugin.daemon.Daemon;
import dev.transferd.plugin.daemon.DaemonConfig;
import dev.transferd.plugin.daemon.DefaultLocations;
import dev.transferd.plugin.registry.TestRegistry;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-serve}: the web server against the tools people would otherwise use.
 *
 * <ul>
 *   <li>{@code serve_pull_vs_registry}: skopeo copies the same image (default 8 layers of 128 MiB)
 *       to a {@code dir:} from transferd's {@code /v2/} endpoint and from {@code docker-registry}
 *       serving it, interleaved rounds (who goes first rotates); the ratio is the registry's median
 *       time over ours (above 1: ours is faster). The same rounds copy the image from its OCI
 *       layout on disk, no server at all: skopeo's own floor. {@code serve_pull_floor_vs_registry}
 *       (the registry's time over the floor's) is the most any server could reach with skopeo as
 *       the client.
 *   <li>{@code web_upload_vs_cli}: the image as a docker-archive uploaded with {@code curl -T} to
 *       {@code /api/upload} against {@code transferctl import} of the same file, each into a fresh
 *       daemon; the ratio is transferctl's median time over the upload's (above 1: the web is
 *       faster).
 * </ul>
 *
 * Needs docker-registry, skopeo, curl and {@code dist/bin/transferctl} ({@code make dist}).
 */
public final class ServeBench {
  private ServeBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = 3;
    int layers = 8;
    long layerMib = 128;
    String transferctl = "dist/bin/transferctl";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--layers" -> layers = Integer.parseInt(args[++i]);
        case "--layer-mib" -> layerMib = Long.parseLong(args[++i]);
        case "--transferctl" -> transferctl = args[++i];
        default -> {
          System.err.println(
              "usage: ServeBench [--rounds N] [--layers N] [--layer-mib N] [--transferctl PATH]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory(Path.of("/tmp"), "serve-bench");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      BenchImage.Layout layout =
          BenchImage.write(work.resolve("layout"), layers, layerMib << 20, 7);
      note(
          "built a %d-layer image, %.2f GiB, in %.1f s",
          layers, gib(layout.totalBytes()), secs(t0));
      TestRegistry registry = TestRegistry.plain(work.resolve("registry"));
      open.add(registry);
      String registryRef = registry.host() + "/bench/image:v1";
      run(
          work.resolve("setup.log"),
          "skopeo",
          "--insecure-policy",
          "copy",
          "--dest-tls-verify=false",
          "oci:" + layout.dir() + ":latest",
          "docker://" + registryRef);
      Daemon ours = startDaemon(work.resolve("serving"));
      open.add(ours);
      String ourHost = "127.0.0.1:" + ours.webAddress().orElseThrow().getPort();
      try (TtrpcClient ttrpc = TtrpcClient.connect(ours.address())) {
        TransferClient.builder(ttrpc)
            .namespace("default")
            .build()
            .transfer(
                RegistryImage.of(registryRef).withDefaultScheme("http"),
                StoredImage.named("localhost/bench/image:v1"));
      }
      String ourRef = ourHost + "/localhost/bench/image:v1";

      // warm-up: one untimed copy from each. The floor is skopeo copying the same image from
      // the OCI layout on disk, no server at all: what skopeo itself needs (it hashes and writes
      // every byte), so no server can make its pull faster than that.
      String[] sources = {
        "docker://" + ourRef, "docker://" + registryRef, "oci:" + layout.dir() + ":latest"
      };
      String[] names = {"ours", "registry", "floor"};
      for (int k = 0; k < sources.length; k++) {
        copy(work, sources[k], "warm-" + names[k]);
      }
      List<Double> fromOurs = new ArrayList<>();
      List<Double> fromRegistry = new ArrayList<>();
      List<Double> fromLayout = new ArrayList<>();
      List<List<Double>> times = List.of(fromOurs, fromRegistry, fromLayout);
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < sources.length; k++) {
          int which = (k + round) % sources.length; // who goes first rotates
          double s = copy(work, sources[which], "round-" + round);
          times.get(which).add(s);
          note("round %d: skopeo from %-8s %6.2f s", round, names[which], s);
        }
      }

      // the servers alone: curl fetching every layer blob to /dev/null on one kept-alive connection
      List<Double> blobsOurs = new ArrayList<>();
      List<Double> blobsRegistry = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        boolean oursFirst = round % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean isOurs = (k == 0) == oursFirst;
          String base =
              isOurs
                  ? "http://" + ourHost + "/v2/localhost/bench/image/blobs/"
                  : "http://" + registry.host() + "/v2/bench/image/blobs/";
          double s = curlBlobs(work, base, layout.layers(), "round-" + round);
          (isOurs ? blobsOurs : blobsRegistry).add(s);
          note("round %d: curl blobs from %-8s %6.2f s", round, isOurs ? "ours" : "registry", s);
        }
      }

      Path archive = work.resolve("image.tar");
      run(
          work.resolve("archive.log"),
          "skopeo",
          "--insecure-policy",
          "copy",
          "oci:" + layout.dir() + ":latest",
          "docker-archive:" + archive + ":localhost/up:v1");
      note("archive of %.2f GiB made", gib(Files.size(archive)));
      uploadWeb(work, archive, "warm"); // warm-up
      List<Double> web = new ArrayList<>();
      List<Double> cli = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        boolean webFirst = round % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean isWeb = (k == 0) == webFirst;
          double s =
              isWeb
                  ? uploadWeb(work, archive, "round-" + round)
                  : importCli(work, archive, transferctl, "round-" + round);
          (isWeb ? web : cli).add(s);
          note("round %d: %-18s %6.2f s", round, isWeb ? "curl upload" : "transferctl import", s);
        }
      }
      System.out.printf(Locale.ROOT, "BENCH serve_pull_ours_s %.2f s%n", median(fromOurs));
      System.out.printf(Locale.ROOT, "BENCH serve_pull_registry_s %.2f s%n", median(fromRegistry));
      System.out.printf(
          Locale.ROOT,
          "BENCH serve_pull_vs_registry %.2f x%n",
          median(fromRegistry) / median(fromOurs));
      System.out.printf(
          Locale.ROOT, "BENCH serve_pull_floor_skopeo_s %.2f s%n", median(fromLayout));
      System.out.printf(
          Locale.ROOT,
          "BENCH serve_pull_floor_vs_registry %.2f x%n",
          median(fromRegistry) / median(fromLayout));
      System.out.printf(Locale.ROOT, "BENCH serve_blobs_curl_ours_s %.2f s%n", median(blobsOurs));
      System.out.printf(
          Locale.ROOT, "BENCH serve_blobs_curl_registry_s %.2f s%n", median(blobsRegistry));
      System.out.printf(
          Locale.ROOT,
          "BENCH serve_blobs_curl_vs_registry %.2f x%n",
          median(blobsRegistry) / median(blobsOurs));
      System.out.printf(Locale.ROOT, "BENCH web_upload_s %.2f s%n", median(web));
      System.out.printf(Locale.ROOT, "BENCH cli_import_s %.2f s%n", median(cli));
      System.out.printf(Locale.ROOT, "BENCH web_upload_vs_cli %.2f x%n", median(cli) / median(web));
    } finally {
      for (AutoCloseable c : open.reversed()) {
        c.close();
      }
      RegistryBench.delete(work);
    }
  }

  private static Daemon startDaemon(Path dir) throws Exception {
    Files.createDirectories(dir);
    DaemonConfig config =
        new DaemonConfig.Builder()
            .root(dir.resolve("root"))
            .address(dir.resolve("t.sock"))
            .webAddress("127.0.0.1:0")
            .build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock")));
    return Daemon.start(config);
  }

  /** skopeo copy of {@code source} (a transport-qualified name) into a fresh {@code dir:}; s. */
  private static double copy(Path work, String source, String tag) throws Exception {
    Path out = work.resolve("copy-" + tag);
    long t0 = System.nanoTime();
    run(
        work.resolve("copy-" + tag + ".log"),
        "skopeo",
        "--insecure-policy",
        "copy",
        "--src-tls-verify=false",
        source,
        "dir:" + out);
    double s = secs(t0);
    RegistryBench.delete(out);
    return s;
  }

  /** One curl fetching every layer to /dev/null, reusing its connection; seconds. */
  private static double curlBlobs(Path work, String base, List<BenchImage.Blob> layers, String tag)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail"));
    for (BenchImage.Blob layer : layers) {
      cmd.add("-o");
      cmd.add("/dev/null");
      cmd.add(base + layer.digest());
    }
    long t0 = System.nanoTime();
    run(work.resolve("curl-blobs-" + tag + ".log"), cmd.toArray(String[]::new));
    return secs(t0);
  }

  /** {@code curl -T} of the archive to a fresh daemon's {@code /api/upload}; seconds. */
  private static double uploadWeb(Path work, Path archive, String tag) throws Exception {
    Path dir = work.resolve("web-" + tag);
    try (Daemon daemon = startDaemon(dir)) {
      String base = "http://127.0.0.1:" + daemon.webAddress().orElseThrow().getPort();
      String session =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/api/session")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      String csrf = session.replaceAll(".*\"csrf\":\"([^\"]+)\".*", "$1");
      long t0 = System.nanoTime();
      String answer =
          run(
              work.resolve("curl-" + tag + ".log"),
              "curl",
              "-sS",
              "--fail-with-body",
              "-X",
              "POST",
              "-H",
              "X-CSRF-Token: " + csrf,
              "-H",
              "Content-Type: application/octet-stream",
              "-T",
              archive.toString(),
              base + "/api/upload?file=image.tar");
      double s = secs(t0);
      if (!answer.contains("\"ok\":true")) {
        throw new IllegalStateException("upload failed: " + answer);
      }
      return s;
    } finally {
      RegistryBench.delete(dir);
    }
  }

  /** {@code transferctl import} of the archive into a fresh daemon; seconds. */
  private static double importCli(Path work, Path archive, String transferctl, String tag)
      throws Exception {
    Path dir = work.resolve("cli-" + tag);
    try (Daemon daemon = startDaemon(dir)) {
      long t0 = System.nanoTime();
      run(
          work.resolve("cli-" + tag + ".log"),
          transferctl,
          "--address",
          daemon.address().toString(),
          "--progress",
          "none",
          "import",
          archive.toString());
      return secs(t0);
    } finally {
      RegistryBench.delete(dir);
    }
  }

  private static String run(Path log, String... cmd) throws Exception {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
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

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double gib(long bytes) {
    return bytes / (double) (1L << 30);
  }

  private static void note(String format, Object... args) {
    System.err.printf(Locale.ROOT, format + "%n", args);
  }
}
