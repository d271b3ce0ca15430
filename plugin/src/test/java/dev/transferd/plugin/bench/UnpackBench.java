package dev.transferd.plugin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.unpack.ImageLayers;
import dev.transferd.plugin.unpack.ImageUnpacker;
import dev.transferd.plugin.unpack.UnpackListener;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code make bench-unpack}: the 1 GiB, 8-layer image of the registry benchmark ({@link
 * BenchImage}) unpacked into a fresh directory by transferd's {@link ImageUnpacker} (in this JVM,
 * layers read from the layout's files), by Debian's {@code umoci unpack}, and by {@code tar -xzf}
 * of each layer in turn (the floor: decompress and write, no whiteouts, no diff_id). Rounds are
 * interleaved, the order rotating each round; the trees are removed between runs, untimed. Prints
 * the medians and {@code BENCH unpack_vs_umoci} (umoci's time over ours: above 1 is faster) and
 * {@code BENCH unpack_vs_tar_floor} (tar's time over ours). Arguments: rounds (default 5), layer
 * MiB (default 128), files per layer (default 1: one large file; more measures per-entry costs).
 */
public final class UnpackBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private UnpackBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    long layerMiB = args.length > 1 ? Long.parseLong(args[1]) : 128;
    int files = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path work = Files.createTempDirectory("bench-unpack");
    try {
      BenchImage.Layout layout =
          BenchImage.write(work.resolve("layout"), 8, layerMiB << 20, 42, files);
      List<ImageLayers.Layer> layers = layers(layout);
      Map<String, List<Double>> times = new LinkedHashMap<>();
      List<String> tools = List.of("ours", "umoci", "tar");
      tools.forEach(t -> times.put(t, new ArrayList<>()));
      for (int r = 0; r < rounds + 1; r++) { // round 0 warms the JIT and the page cache
        for (int i = 0; i < tools.size(); i++) {
          String tool = tools.get((i + r) % tools.size());
          Path target = work.resolve(tool + "-" + r);
          long start = System.nanoTime();
          switch (tool) {
            case "ours" ->
                ImageUnpacker.unpack(
                    layers, digest -> open(layout, digest), target, UnpackListener.NONE);
            case "umoci" ->
                run("umoci", "unpack", "--image", layout.dir() + ":latest", target.toString());
            default -> {
              Files.createDirectories(target);
              for (ImageLayers.Layer l : layers) {
                run(
                    "tar",
                    "-xzf",
                    blob(layout, l.blob().getDigest()).toString(),
                    "-C",
                    target.toString());
              }
            }
          }
          double seconds = (System.nanoTime() - start) / 1e9;
          if (r > 0) {
            times.get(tool).add(seconds);
          }
          delete(target);
        }
      }
      double ours = median(times.get("ours"));
      double umoci = median(times.get("umoci"));
      double tar = median(times.get("tar"));
      System.out.printf(Locale.ROOT, "BENCH unpack_ours_s %.2f s%n", ours);
      System.out.printf(Locale.ROOT, "BENCH unpack_umoci_s %.2f s%n", umoci);
      System.out.printf(Locale.ROOT, "BENCH unpack_tar_s %.2f s%n", tar);
      System.out.printf(Locale.ROOT, "BENCH unpack_vs_umoci %.2f x%n", umoci / ours);
      System.out.printf(Locale.ROOT, "BENCH unpack_vs_tar_floor %.2f x%n", tar / ours);
    } finally {
      delete(work);
    }
  }

  private static List<ImageLayers.Layer> layers(BenchImage.Layout layout) throws IOException {
    JsonNode config = JSON.readTree(Files.readAllBytes(blob(layout, layout.config().digest())));
    JsonNode diffIds = config.path("rootfs").path("diff_ids");
    List<ImageLayers.Layer> layers = new ArrayList<>();
    for (int i = 0; i < layout.layers().size(); i++) {
      BenchImage.Blob b = layout.layers().get(i);
      layers.add(
          new ImageLayers.Layer(
              Descriptor.newBuilder()
                  .setMediaType(b.mediaType())
                  .setDigest(b.digest())
                  .setSize(b.size())
                  .build(),
              diffIds.get(i).asText()));
    }
    return layers;
  }

  private static java.io.InputStream open(BenchImage.Layout layout, String digest)
      throws IOException {
    return Files.newInputStream(blob(layout, digest));
  }

  private static Path blob(BenchImage.Layout layout, String digest) {
    return layout.dir().resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed");
    }
  }

  private static double median(List<Double> xs) {
    List<Double> sorted = xs.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
