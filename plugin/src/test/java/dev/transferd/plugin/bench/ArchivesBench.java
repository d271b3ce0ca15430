package dev.transferd.plugin.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.archive.Containerd;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.store.embedded.FileTrees;
import dev.transferd.plugin.transfer.TransferService;
import dev.transferd.plugin.transfer.TransferSettings;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code make bench-archives}: import and export of an uncompressed docker-save archive (default 1
 * GiB in 4 layers of incompressible data) through the Transfer service's byte streams into the
 * embedded store, side by side with {@code ctr images import --no-unpack} / {@code ctr images
 * export} on Debian's containerd 1.6 started here (needs root).
 *
 * <p>Ours runs at several byte-stream settings, interleaved round by round so that a noisy machine
 * hurts them alike: containerd's 64 KiB window / 32 KiB chunks (the default, and what a Go client
 * gets from a server left at its default) and wide settings configured on both ends (the server's
 * {@code byte_stream_window} and {@code byte_stream_chunk}, the client's chunk and window). Each
 * round imports on a fresh store, then exports what it imported; both are timed, and the process's
 * CPU time during each is counted. ctr does the same in its own rounds. One round of each is a
 * warm-up, then {@code --runs} rounds (default 3) count, by their medians. {@code import_gbps},
 * {@code import_vs_ctr} and {@code export_vs_ctr}, printed last, are those of the fastest wide
 * setting (say which); the {@code *_containerd_sizes} lines give containerd's sizes.
 *
 * <p>Options: {@code --mib N} archive size, {@code --runs N}, {@code --wide W/C,W/C} the wide
 * settings as window/chunk bytes (default {@code 1048576/262144,4194304/1048576}; {@code none} for
 * containerd's sizes only), {@code --no-ctr} to measure ours only (no root needed), {@code
 * --import-only}.
 */
public final class ArchivesBench {
  private static final String NAME = "example.com/bench:latest";
  private static final double GIB = 1L << 30;

  /** Medians of one setting's (or ctr's) rounds. */
  private record Result(
      String label,
      double importSeconds,
      double importCpuSeconds,
      double exportSeconds,
      double exportCpuSeconds) {}

  /** The times of each round, for one setting. */
  private static final class Rounds {
    final List<Double> importSeconds = new ArrayList<>();
    final List<Double> importCpu = new ArrayList<>();
    final List<Double> exportSeconds = new ArrayList<>();
    final List<Double> exportCpu = new ArrayList<>();

    Result medians(String label) {
      return new Result(
          label,
          median(importSeconds),
          median(importCpu),
          median(exportSeconds),
          median(exportCpu));
    }
  }

  public static void main(String[] args) throws Exception {
    long mib = 1024;
    int runs = 3;
    List<ByteStreamSettings> wide =
        List.of(
            new ByteStreamSettings(1 << 20, 256 << 10), new ByteStreamSettings(4 << 20, 1 << 20));
    boolean withCtr = true;
    boolean exports = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mib" -> mib = Long.parseLong(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--wide" -> wide = parseSettings(args[++i]);
        case "--no-ctr" -> withCtr = false;
        case "--import-only" -> exports = false;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<ByteStreamSettings> settings = new ArrayList<>();
    settings.add(ByteStreamSettings.CONTAINERD);
    settings.addAll(wide);
    Path dir = Files.createTempDirectory("bench-archives");
    try {
      Path archive = dockerSave(dir, mib << 20, 4);
      long size = Files.size(archive);
      System.out.printf(
          Locale.ROOT,
          "archive: %s, %d bytes; byte streams (window/chunk): %s; %d rounds after a warm-up%n",
          archive,
          size,
          settings.stream().map(ArchivesBench::label).toList(),
          runs);
      List<Rounds> ours = new ArrayList<>();
      settings.forEach(s -> ours.add(new Rounds()));
      for (int round = 0; round <= runs; round++) {
        for (int s = 0; s < settings.size(); s++) {
          Rounds into = round == 0 ? new Rounds() : ours.get(s); // round 0 warms up
          oursRound(dir, archive, settings.get(s), exports, into);
          System.out.printf(
              Locale.ROOT,
              "  round %d, %-16s import %6.3f s%s%n",
              round,
              label(settings.get(s)),
              last(into.importSeconds),
              exports
                  ? String.format(Locale.ROOT, ", export %6.3f s", last(into.exportSeconds))
                  : "");
        }
      }
      List<Result> results = new ArrayList<>();
      for (int s = 0; s < settings.size(); s++) {
        results.add(ours.get(s).medians(label(settings.get(s))));
      }
      Result ctr = null;
      if (withCtr) {
        Rounds ctrRounds = new Rounds();
        try (Containerd containerd = Containerd.start(dir.resolve("containerd"))) {
          for (int round = 0; round <= runs; round++) {
            Rounds into = round == 0 ? new Rounds() : ctrRounds;
            ctrRound(containerd, archive, dir.resolve("ctr-out.tar"), exports, into);
            System.out.printf(
                Locale.ROOT,
                "  round %d, ctr              import %6.3f s%s%n",
                round,
                last(into.importSeconds),
                exports
                    ? String.format(Locale.ROOT, ", export %6.3f s", last(into.exportSeconds))
                    : "");
          }
        }
        ctr = ctrRounds.medians("ctr");
      }
      report(size, results, ctr, exports);
    } finally {
      FileTrees.delete(dir);
    }
  }

  /**
   * Prints the medians: a table, then BENCH lines, {@code import_gbps}, {@code import_vs_ctr} and
   * {@code export_vs_ctr} last, for the fastest wide setting.
   */
  private static void report(long size, List<Result> results, Result ctr, boolean exports) {
    double gib = size / GIB;
    System.out.println("medians:");
    List<Result> rows = new ArrayList<>(results);
    if (ctr != null) {
      rows.add(ctr);
    }
    for (Result r : rows) {
      System.out.printf(
          Locale.ROOT,
          "  %-16s import %6.3f s = %.3f GB/s%s%s%n",
          r.label(),
          r.importSeconds(),
          size / r.importSeconds() / 1e9,
          cpu(r.importCpuSeconds() / gib),
          exports
              ? String.format(
                  Locale.ROOT,
                  "; export %6.3f s = %.3f GB/s%s",
                  r.exportSeconds(),
                  size / r.exportSeconds() / 1e9,
                  cpu(r.exportCpuSeconds() / gib))
              : "");
    }
    Result narrow = results.get(0);
    Result best = narrow;
    for (Result r : results.subList(1, results.size())) {
      if (best == narrow || r.importSeconds() < best.importSeconds()) {
        best = r;
      }
    }
    String bestLabel =
        best == narrow
            ? "containerd's 64 KiB window / 32 KiB chunks"
            : "wide byte streams, window/chunk " + best.label() + " on both ends";
    bench("import_containerd_sizes_seconds", narrow.importSeconds(), "s", "");
    bench("import_containerd_sizes_gbps", size / narrow.importSeconds() / 1e9, "GB/s", "");
    bench(
        "import_containerd_sizes_cpu_seconds_per_gib",
        narrow.importCpuSeconds() / gib,
        "s",
        "(client and server, one process)");
    if (exports) {
      bench("export_containerd_sizes_seconds", narrow.exportSeconds(), "s", "");
    }
    if (ctr != null) {
      bench("ctr_import_seconds", ctr.importSeconds(), "s", "");
      if (exports) {
        bench("ctr_export_seconds", ctr.exportSeconds(), "s", "");
      }
      bench(
          "import_containerd_sizes_vs_ctr", ctr.importSeconds() / narrow.importSeconds(), "x", "");
      if (exports) {
        bench(
            "export_containerd_sizes_vs_ctr",
            ctr.exportSeconds() / narrow.exportSeconds(),
            "x",
            "");
      }
    }
    String which = "(" + bestLabel + ")";
    bench("import_seconds", best.importSeconds(), "s", which);
    bench(
        "import_cpu_seconds_per_gib",
        best.importCpuSeconds() / gib,
        "s",
        "(client and server, one process; " + bestLabel + ")");
    if (exports) {
      bench("export_seconds", best.exportSeconds(), "s", which);
    }
    bench("import_gbps", size / best.importSeconds() / 1e9, "GB/s", which);
    if (ctr != null) {
      bench("import_vs_ctr", ctr.importSeconds() / best.importSeconds(), "x", which);
      if (exports) {
        bench("export_vs_ctr", ctr.exportSeconds() / best.exportSeconds(), "x", which);
      }
    }
  }

  /** ", n CPU-s/GiB", or nothing where not measured (ctr runs in other processes). */
  private static String cpu(double secondsPerGib) {
    return Double.isNaN(secondsPerGib)
        ? ""
        : String.format(Locale.ROOT, ", %5.2f CPU-s/GiB", secondsPerGib);
  }

  private static void bench(String name, double value, String unit, String note) {
    System.out.printf(
        Locale.ROOT, "BENCH %s %.3f %s%s%n", name, value, unit, note.isEmpty() ? "" : " " + note);
  }

  private static List<ByteStreamSettings> parseSettings(String list) {
    if (list.equals("none")) {
      return List.of();
    }
    List<ByteStreamSettings> out = new ArrayList<>();
    for (String one : list.split(",")) {
      String[] parts = one.split("/");
      if (parts.length != 2) {
        throw new IllegalArgumentException("--wide wants WINDOW/CHUNK[,WINDOW/CHUNK], got " + one);
      }
      out.add(new ByteStreamSettings(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
    }
    return out;
  }

  private static String label(ByteStreamSettings s) {
    return size(s.window()) + "/" + size(s.maxChunk());
  }

  private static String size(int bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + "MiB" : (bytes >> 10) + "KiB";
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static double last(List<Double> values) {
    return values.isEmpty() ? Double.NaN : values.get(values.size() - 1);
  }

  /**
   * One import on a fresh store (and, unless {@code importOnly}, the export of what it imported),
   * with both ends' byte streams at {@code streams}.
   */
  private static void oursRound(
      Path dir, Path archive, ByteStreamSettings streams, boolean export, Rounds into)
      throws Exception {
    Path root = dir.resolve("store");
    try (EmbeddedStore store =
            EmbeddedStore.open(
                root, EmbeddedStoreOptions.defaults().withGcInterval(Duration.ZERO));
        StreamingFixture server = serve(store, streams)) {
      TransferClient client =
          TransferClient.builder(server.client).namespace("default").byteStreams(streams).build();
      StoredImage destination =
          StoredImage.named("")
              .withExtraReference(new ImageReference("bench", true, true, false, false));
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      try (InputStream in = Files.newInputStream(archive)) {
        client.transfer(ImportArchive.from(in), destination);
      }
      into.importSeconds.add((System.nanoTime() - start) / 1e9);
      into.importCpu.add((processCpuNanos() - cpuStart) / 1e9);
      if (!export) {
        return;
      }
      Path out = dir.resolve("out.tar");
      cpuStart = processCpuNanos();
      start = System.nanoTime();
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
        client.transfer(StoredImage.named(NAME), ExportArchive.to(o));
      }
      into.exportSeconds.add((System.nanoTime() - start) / 1e9);
      into.exportCpu.add((processCpuNanos() - cpuStart) / 1e9);
      Files.delete(out);
    } finally {
      FileTrees.delete(root);
    }
  }

  private static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
  }

  private static StreamingFixture serve(EmbeddedStore store, ByteStreamSettings streams)
      throws IOException {
    StreamManager manager = new StreamManager();
    return StreamingFixture.start(
        manager,
        TransferService.definition(
            manager, TransferSettings.DEFAULTS.withByteStreams(streams), store));
  }

  /** A docker-save v1.2 archive of {@code layers} layers, each a tar of one random file. */
  static Path dockerSave(Path dir, long total, int layers) throws Exception {
    Path archive = dir.resolve("docker-save.tar");
    ObjectMapper json = new ObjectMapper();
    List<String> diffIds = new ArrayList<>();
    List<Path> layerFiles = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(42);
    byte[] chunk = new byte[1 << 20];
    for (int l = 0; l < layers; l++) {
      Path layer = dir.resolve("layer" + l + ".tar");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (TarArchiveOutputStream tar =
          new TarArchiveOutputStream(
              new DigestOutputStream(
                  new BufferedOutputStream(Files.newOutputStream(layer), 1 << 20), sha))) {
        TarArchiveEntry e = new TarArchiveEntry("data/blob" + l);
        long size = total / layers;
        e.setSize(size);
        tar.putArchiveEntry(e);
        for (long done = 0; done < size; done += chunk.length) {
          random.nextBytes(chunk);
          tar.write(chunk, 0, (int) Math.min(chunk.length, size - done));
        }
        tar.closeArchiveEntry();
      }
      diffIds.add("sha256:" + HexFormat.of().formatHex(sha.digest()));
      layerFiles.add(layer);
    }
    ObjectNode config = json.createObjectNode();
    config.put("architecture", "amd64").put("os", "linux");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(ids::add);
    byte[] configBytes = json.writeValueAsBytes(config);
    String configHex =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(configBytes));
    ArrayNode manifest = json.createArrayNode();
    ObjectNode entry = manifest.addObject().put("Config", configHex + ".json");
    entry.putArray("RepoTags").add(NAME);
    ArrayNode ls = entry.putArray("Layers");
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(
            new BufferedOutputStream(Files.newOutputStream(archive), 1 << 20))) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (int l = 0; l < layers; l++) {
        String name = diffIds.get(l).substring(7) + "/layer.tar";
        ls.add(name);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(Files.size(layerFiles.get(l)));
        tar.putArchiveEntry(e);
        Files.copy(layerFiles.get(l), tar);
        tar.closeArchiveEntry();
        Files.delete(layerFiles.get(l));
      }
      put(tar, configHex + ".json", configBytes);
      put(tar, "manifest.json", json.writeValueAsBytes(manifest));
    }
    return archive;
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] bytes)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /**
   * One {@code ctr images import} of {@code archive} (and, with {@code export}, one {@code ctr
   * images export} of the image), timed; the image is removed after. ctr's CPU time is that of
   * another process (containerd), so it is not counted.
   */
  private static void ctrRound(
      Containerd containerd, Path archive, Path out, boolean export, Rounds into) throws Exception {
    long start = System.nanoTime();
    containerd.ctr("images", "import", "--no-unpack", archive.toString());
    into.importSeconds.add((System.nanoTime() - start) / 1e9);
    if (export) {
      start = System.nanoTime();
      containerd.ctr("images", "export", out.toString(), NAME);
      into.exportSeconds.add((System.nanoTime() - start) / 1e9);
      Files.deleteIfExists(out);
    }
    containerd.ctr("images", "rm", "--sync", NAME);
  }
}
