package dev.transferd.plugin.bench;

import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.store.embedded.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-store}: ingest of one 1 GiB blob into the embedded store (read the source file,
 * SHA-256 while writing the ingest, commit: fsync, verify, rename, directory fsync) against {@code
 * openssl dgst -sha256} of the same file, the floor nothing that hashes can beat. Both read the
 * file from the page cache (it is written, then read once, before either is timed). The runs
 * alternate, and each side's best of {@code --rounds} (default 3) counts.
 *
 * <p>Prints {@code BENCH jdk_sha256_gbps} (reading and hashing alone in this JVM, for diagnosis),
 * {@code BENCH ingest_gbps}, {@code BENCH openssl_sha256_gbps} and, last, {@code BENCH
 * ingest_vs_openssl} (ours ÷ openssl's; target ≥ 0.6). The source and the store live in a temp
 * directory under {@code /tmp}, removed at the end. Options: {@code --size-mib N}, {@code --rounds
 * N}.
 */
public final class StoreBench {
  private static final int CHUNK = 1 << 20;

  private StoreBench() {}

  public static void main(String[] args) throws Exception {
    long sizeMib = 1024;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size-mib" -> sizeMib = Long.parseLong(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: StoreBench [--size-mib N] [--rounds N]");
          System.exit(2);
        }
      }
    }
    long size = sizeMib << 20;
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "transferd-bench-store-");
    try {
      Path source = dir.resolve("blob");
      writeSource(source, size);
      readOnce(source);
      String expected = opensslDigest(source);

      List<Double> ours = new ArrayList<>();
      List<Double> openssl = new ArrayList<>();
      List<Double> hashOnly = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        Path root = dir.resolve("store-" + round);
        double seconds = ingest(source, root, size, expected);
        ours.add(size / seconds / 1e9);
        FileTrees.delete(root);

        long start = System.nanoTime();
        String digest = opensslDigest(source);
        double opensslSeconds = (System.nanoTime() - start) / 1e9;
        if (!digest.equals(expected)) {
          throw new IllegalStateException("openssl digests differ between runs");
        }
        openssl.add(size / opensslSeconds / 1e9);
        hashOnly.add(size / javaDigestSeconds(source, expected) / 1e9);
        System.out.printf(
            Locale.ROOT,
            "round %d: ingest %.2f GB/s, openssl %.2f GB/s, JDK read+SHA-256 alone %.2f GB/s%n",
            round + 1,
            ours.getLast(),
            openssl.getLast(),
            hashOnly.getLast());
      }
      double bestOurs = ours.stream().mapToDouble(d -> d).max().orElseThrow();
      double bestOpenssl = openssl.stream().mapToDouble(d -> d).max().orElseThrow();
      System.out.printf(
          Locale.ROOT,
          "BENCH jdk_sha256_gbps %.3f GB/s%n",
          hashOnly.stream().mapToDouble(d -> d).max().orElseThrow());
      System.out.printf(Locale.ROOT, "BENCH ingest_gbps %.3f GB/s%n", bestOurs);
      System.out.printf(Locale.ROOT, "BENCH openssl_sha256_gbps %.3f GB/s%n", bestOpenssl);
      System.out.printf(Locale.ROOT, "BENCH ingest_vs_openssl %.3f x%n", bestOurs / bestOpenssl);
    } finally {
      FileTrees.delete(dir);
    }
  }

  /** One timed ingest into a fresh store: source read, hash, write, commit. */
  private static double ingest(Path source, Path root, long size, String expected)
      throws IOException {
    try (EmbeddedStore store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO))) {
      long start = System.nanoTime();
      byte[] buf = new byte[CHUNK];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
          ContentWriter w =
              store
                  .content()
                  .writer(WriteRequest.of("default", "bench").expecting(size, expected))) {
        int n;
        while ((n = in.read(bb.clear())) > 0) {
          w.write(buf, 0, n);
        }
        long written = System.nanoTime();
        w.commit(size, expected, Map.of());
        long end = System.nanoTime();
        System.out.printf(
            Locale.ROOT,
            "  ingest: read+hash+write %.2f s, commit %.2f s%n",
            (written - start) / 1e9,
            (end - written) / 1e9);
        return (end - start) / 1e9;
      }
    }
  }

  /** Reading and hashing the source in this JVM, nothing written: where our floor is. */
  private static double javaDigestSeconds(Path source, String expected) throws IOException {
    long start = System.nanoTime();
    java.security.MessageDigest sha256;
    try {
      sha256 = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[CHUNK];
    ByteBuffer bb = ByteBuffer.wrap(buf);
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      int n;
      while ((n = in.read(bb.clear())) > 0) {
        sha256.update(buf, 0, n);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!("sha256:" + java.util.HexFormat.of().formatHex(sha256.digest())).equals(expected)) {
      throw new IllegalStateException("JDK and openssl disagree on the digest");
    }
    return seconds;
  }

  /** Pseudo-random bytes (incompressible, cheap to make), written in 1 MiB chunks. */
  private static void writeSource(Path file, long size) throws IOException {
    byte[] chunk = new byte[CHUNK];
    long x = 0x9E3779B97F4A7C15L;
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0; written < size; written += CHUNK) {
        for (int i = 0; i < CHUNK; i += 8) {
          x ^= x << 13;
          x ^= x >>> 7;
          x ^= x << 17;
          for (int j = 0; j < 8; j++) {
            chunk[i + j] = (byte) (x >>> (8 * j));
          }
        }
        ByteBuffer bb = ByteBuffer.wrap(chunk, 0, (int) Math.min(CHUNK, size - written));
        while (bb.hasRemaining()) {
          out.write(bb);
        }
      }
      out.force(true);
    }
  }

  private static void readOnce(Path file) throws IOException {
    ByteBuffer bb = ByteBuffer.allocateDirect(CHUNK);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      while (in.read(bb.clear()) > 0) {
        // page the file into the cache
      }
    }
  }

  private static String opensslDigest(Path file) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("openssl", "dgst", "-sha256", "-r", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("openssl dgst failed: " + out);
    }
    return "sha256:" + out.split("\\s+")[0];
  }
}
