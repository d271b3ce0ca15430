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
 * export} on Debian's containerd 1.6 started here (needs root). Each side runs once to warm up,
 * then 3 times; the median counts. Prints {@code BENCH} lines ending with {@code import_gbps},
 * {@code import_vs_ctr} and {@code export_vs_ctr} (ctr's time ÷ ours).
 *
 * <p>Options: {@code --mib N} archive size, {@code --runs N}, {@code --window BYTES} and {@code
 * --chunk BYTES} for the byte streams of both client and server (default containerd's 64 KiB / 32
 * KiB), {@code --no-ctr} to measure ours only (no root needed), {@code --import-only}.
 */
public final class ArchivesBench {
  private static final String NAME = "example.com/bench:latest";
  private static ByteStreamSettings streams = ByteStreamSettings.CONTAINERD;

  /** CPU seconds of this process during each timed import (warm-up excluded by the median). */
  private static final List<Double> importCpu = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    long mib = 1024;
    int runs = 3;
    int window = ByteStreamSettings.CONTAINERD.window();
    int chunk = ByteStreamSettings.CONTAINERD.maxChunk();
    boolean withCtr = true;
    boolean exports = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mib" -> mib = Long.parseLong(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--window" -> window = Integer.parseInt(args[++i]);
        case "--chunk" -> chunk = Integer.parseInt(args[++i]);
        case "--no-ctr" -> withCtr = false;
        case "--import-only" -> exports = false;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    streams = new ByteStreamSettings(window, chunk);
    Path dir = Files.createTempDirectory("bench-archives");
    try {
      Path archive = dockerSave(dir, mib << 20, 4);
      long size = Files.size(archive);
      System.out.printf(
          Locale.ROOT,
          "archive: %s, %d bytes; byte streams: window %d, chunk %d%n",
          archive,
          size,
          window,
          chunk);
      importCpu.clear();
      double ours = medianSeconds(runs, () -> oursImport(dir, archive, false));
      System.out.printf(Locale.ROOT, "BENCH import_seconds %.3f s%n", ours);
      importCpu.sort(null);
      double cpu = importCpu.get(importCpu.size() / 2);
      System.out.printf(
          Locale.ROOT,
          "BENCH import_cpu_seconds_per_gib %.3f s (client and server, one process)%n",
          cpu / (size / (double) (1L << 30)));
      double oursExport = Double.NaN;
      if (exports) {
        oursExport = medianSeconds(runs, () -> oursImport(dir, archive, true));
        System.out.printf(Locale.ROOT, "BENCH export_seconds %.3f s%n", oursExport);
      }
      if (withCtr) {
        double ctrImport;
        double ctrExport = Double.NaN;
        try (Containerd ctr = Containerd.start(dir.resolve("containerd"))) {
          ctrImport = medianSeconds(runs, () -> ctrImport(ctr, archive));
          if (exports) {
            ctrExport =
                medianSeconds(
                    runs, () -> ctrExportAfterImport(ctr, archive, dir.resolve("ctr-out.tar")));
          }
        }
        System.out.printf(Locale.ROOT, "BENCH ctr_import_seconds %.3f s%n", ctrImport);
        if (exports) {
          System.out.printf(Locale.ROOT, "BENCH ctr_export_seconds %.3f s%n", ctrExport);
        }
        System.out.printf(Locale.ROOT, "BENCH import_gbps %.3f GB/s%n", size / ours / 1e9);
        System.out.printf(Locale.ROOT, "BENCH import_vs_ctr %.2f x%n", ctrImport / ours);
        if (exports) {
          System.out.printf(Locale.ROOT, "BENCH export_vs_ctr %.2f x%n", ctrExport / oursExport);
        }
      } else {
        System.out.printf(Locale.ROOT, "BENCH import_gbps %.3f GB/s%n", size / ours / 1e9);
      }
    } finally {
      FileTrees.delete(dir);
    }
  }

  @FunctionalInterface
  interface Timed {
    /** Runs once; returns the seconds the measured part took. */
    double run() throws Exception;
  }

  private static double medianSeconds(int runs, Timed timed) throws Exception {
    timed.run(); // warm-up
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      times.add(timed.run());
    }
    times.sort(null);
    return times.get(times.size() / 2);
  }

  /** One import (or, with {@code export}, one export after an untimed import) on a fresh store. */
  private static double oursImport(Path dir, Path archive, boolean export) throws Exception {
    Path root = dir.resolve("store");
    try (EmbeddedStore store =
            EmbeddedStore.open(
                root, EmbeddedStoreOptions.defaults().withGcInterval(Duration.ZERO));
        StreamingFixture server = serve(store)) {
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
      double imported = (System.nanoTime() - start) / 1e9;
      if (!export) {
        importCpu.add((processCpuNanos() - cpuStart) / 1e9);
        return imported;
      }
      Path out = dir.resolve("out.tar");
      start = System.nanoTime();
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
        client.transfer(StoredImage.named(NAME), ExportArchive.to(o));
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      FileTrees.delete(root);
    }
  }

  private static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
  }

  private static StreamingFixture serve(EmbeddedStore store) throws IOException {
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

  /** Seconds {@code ctr images import} takes for {@code archive}; the image is removed after. */
  private static double ctrImport(Containerd containerd, Path archive) throws Exception {
    long start = System.nanoTime();
    containerd.ctr("images", "import", "--no-unpack", archive.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    containerd.ctr("images", "rm", "--sync", NAME);
    return seconds;
  }

  /** Seconds {@code ctr images export} takes for the image imported from {@code archive}. */
  private static double ctrExportAfterImport(Containerd containerd, Path archive, Path out)
      throws Exception {
    containerd.ctr("images", "import", "--no-unpack", archive.toString());
    long start = System.nanoTime();
    containerd.ctr("images", "export", out.toString(), NAME);
    double seconds = (System.nanoTime() - start) / 1e9;
    containerd.ctr("images", "rm", "--sync", NAME);
    Files.deleteIfExists(out);
    return seconds;
  }
}
