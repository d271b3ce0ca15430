package dev.transferd.plugin.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A single-platform (linux/amd64) OCI image layout written straight to disk, for the registry
 * benchmark: each layer is a real tar holding one file of seeded random (incompressible) bytes,
 * gzip'd as stored (uncompressed) deflate blocks, with its diff_id in the config. Random bytes do
 * not compress, and even deflate level 1 runs at only 10-15 MB/s on this loaded VM, so stored
 * blocks keep building a gigabyte to seconds while every layer stays valid gzip. Nothing is held in
 * memory beyond a buffer per layer being written.
 */
final class BenchImage {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
  private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
  private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
  private static final int CHUNK = 1 << 20;
  private static final int POOL = 8 << 20;

  /** A blob of the layout. */
  record Blob(String mediaType, String digest, long size) {}

  /** What was written: the manifest, the config, the layers. */
  record Layout(Path dir, Blob manifest, Blob config, List<Blob> layers) {
    long totalBytes() {
      return manifest.size + config.size + layers.stream().mapToLong(Blob::size).sum();
    }
  }

  private BenchImage() {}

  /**
   * Writes {@code layers} layers of {@code layerBytes} random bytes each into a new OCI layout at
   * {@code dir}, tagged {@code latest}; layers are built on two threads.
   */
  static Layout write(Path dir, int layers, long layerBytes, long seed) throws Exception {
    return write(dir, layers, layerBytes, seed, 1);
  }

  /** Like {@link #write(Path, int, long, long)}, each layer's bytes split into {@code files}. */
  static Layout write(Path dir, int layers, long layerBytes, long seed, int files)
      throws Exception {
    Path blobs = dir.resolve("blobs/sha256");
    Files.createDirectories(blobs);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    List<Future<String[]>> built = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int i = 0; i < layers; i++) {
        int index = i;
        built.add(pool.submit(() -> layer(blobs, index, layerBytes, seed + index, files)));
      }
    }
    List<Blob> layerBlobs = new ArrayList<>();
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("created", "2024-01-01T00:00:00Z");
    config.putObject("config").putArray("Cmd").add("/bin/true");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    for (Future<String[]> f : built) {
      String[] l = f.get(); // digest, size, diff_id
      layerBlobs.add(new Blob(LAYER_TYPE, l[0], Long.parseLong(l[1])));
      diffIds.add(l[2]);
    }
    Blob cfg = writeSmall(blobs, CONFIG_TYPE, JSON.writeValueAsBytes(config));
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MANIFEST_TYPE);
    manifest.set("config", node(cfg));
    ArrayNode ls = manifest.putArray("layers");
    layerBlobs.forEach(l -> ls.add(node(l)));
    Blob m = writeSmall(blobs, MANIFEST_TYPE, JSON.writeValueAsBytes(manifest));
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode entry = node(m);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
    index.putArray("manifests").add(entry);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return new Layout(dir, m, cfg, layerBlobs);
  }

  /** Writes one layer; returns its digest, compressed size and diff_id. */
  private static String[] layer(Path blobs, int index, long bytes, long seed, int files)
      throws IOException {
    MessageDigest compressed = sha256();
    MessageDigest uncompressed = sha256();
    Path tmp = blobs.resolve("tmp-layer-" + index);
    long size;
    try (Hashing file =
            new Hashing(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20), compressed);
        FastGzip gz = new FastGzip(file);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new Hashing(gz, uncompressed), 1 << 16)) {
      long perFile = bytes / files;
      long fileLeft = 0;
      int entry = 0;
      // Each MiB is a slice of a random pool at a varying offset, stamped with its index: no two
      // alike and nothing deflate could find (its window is 32 KiB), at the cost of a copy.
      byte[] pool = new byte[POOL];
      new SplittableRandom(seed).nextBytes(pool);
      byte[] buf = new byte[CHUNK];
      long chunk = 0;
      for (long left = bytes; left > 0; chunk++) {
        if (fileLeft == 0) {
          if (entry > 0) {
            tar.closeArchiveEntry();
          }
          fileLeft = entry == files - 1 ? left : perFile;
          String name =
              files == 1
                  ? "data/layer-" + index + ".bin"
                  : "data/layer-" + index + "/" + (entry % 64) + "/f" + entry + ".bin";
          TarArchiveEntry e = new TarArchiveEntry(name);
          e.setSize(fileLeft);
          e.setMode(0644);
          e.setModTime(0);
          tar.putArchiveEntry(e);
          entry++;
        }
        int n = (int) Math.min(Math.min(buf.length, left), fileLeft);
        int from = (int) ((chunk * 7919 * 64) % (POOL - CHUNK));
        System.arraycopy(pool, from, buf, 0, n);
        for (int k = 0; k < 8 && k < n; k++) {
          buf[k] ^= (byte) (chunk >>> (8 * k));
        }
        tar.write(buf, 0, n);
        left -= n;
        fileLeft -= n;
      }
      tar.closeArchiveEntry();
      tar.finish();
      gz.finish();
      file.flush();
      size = file.count;
    }
    String digest = hex(compressed);
    Files.move(tmp, blobs.resolve(digest.substring(7)), StandardCopyOption.ATOMIC_MOVE);
    return new String[] {digest, Long.toString(size), hex(uncompressed)};
  }

  private static Blob writeSmall(Path blobs, String mediaType, byte[] bytes) throws IOException {
    MessageDigest md = sha256();
    md.update(bytes);
    String digest = hex(md);
    Files.write(blobs.resolve(digest.substring(7)), bytes);
    return new Blob(mediaType, digest, bytes.length);
  }

  private static ObjectNode node(Blob b) {
    ObjectNode n = JSON.createObjectNode();
    n.put("mediaType", b.mediaType());
    n.put("digest", b.digest());
    n.put("size", b.size());
    return n;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(MessageDigest md) {
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  static String sha256(byte[] bytes) {
    MessageDigest md = sha256();
    md.update(bytes);
    return hex(md);
  }

  /** gzip of stored deflate blocks: valid gzip that costs a copy (random bytes do not compress). */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.NO_COMPRESSION);
    }
  }

  /** Hashes and counts what passes through. */
  private static final class Hashing extends FilterOutputStream {
    private final MessageDigest md;
    long count;

    Hashing(OutputStream out, MessageDigest md) {
      super(out);
      this.md = md;
    }

    @Override
    public void write(int b) throws IOException {
      md.update((byte) b);
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      md.update(b, off, len);
      out.write(b, off, len);
      count += len;
    }
  }
}
