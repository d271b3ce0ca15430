package dev.transferd.plugin.unpack;

import dev.transferd.plugin.archive.Compression;
import dev.transferd.plugin.archive.Digests;
import dev.transferd.proto.types.Descriptor;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks an image's layers into a directory, all or nothing: the tree is built in a fresh
 * directory beside the target ({@code .NAME.unpack-<random>}) and renamed onto it once every layer
 * is applied and verified, so a failure (a hostile entry, a diff_id that lies, a full disk) leaves
 * the target as it was and removes the partial tree. The target must not exist or be an empty
 * directory. Each layer's compression (none, gzip, zstd) is told by its magic bytes, and the digest
 * of its uncompressed tar is compared with the config's diff_id after the tar's last byte.
 */
public final class ImageUnpacker {
  private static final Logger log = LoggerFactory.getLogger(ImageUnpacker.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private ImageUnpacker() {}

  /**
   * Unpacks {@code layers}, bottom first, into {@code dir}.
   *
   * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty directory
   * @throws InvalidLayerException naming the layer and entry, for a hostile or broken layer or a
   *     diff_id mismatch
   */
  public static UnpackResult unpack(
      List<ImageLayers.Layer> layers, LayerSource source, Path dir, UnpackListener listener)
      throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    checkTarget(target);
    Path work =
        target.resolveSibling(
            "."
                + target.getFileName()
                + ".unpack-"
                + HexFormat.of().toHexDigits(RANDOM.nextLong()));
    Files.createDirectory(work);
    boolean done = false;
    try {
      NativeFiles files = NativeFiles.get();
      files.chmod(work.toString(), 0755);
      LayerApplier applier = new LayerApplier(new TreeRoot(work), files, files.privileged());
      for (ImageLayers.Layer layer : layers) {
        apply(applier, layer, source, listener);
      }
      applier.finish();
      List<String> skipped =
          applier.skipped().kinds().stream().map(Skipped.Kind::toString).toList();
      if (!skipped.isEmpty()) {
        log.warn("unpack {} without root: skipped {}", target, String.join("; ", skipped));
      }
      moveOnto(work, target);
      done = true;
      return new UnpackResult(target, layers.size(), skipped);
    } finally {
      if (!done) {
        removeQuietly(work);
      }
    }
  }

  private static void apply(
      LayerApplier applier, ImageLayers.Layer layer, LayerSource source, UnpackListener listener)
      throws IOException {
    Descriptor blob = layer.blob();
    String name = "layer " + blob.getDigest();
    MessageDigest digest = Digests.sha256();
    try (InputStream raw = new Counting(source.open(blob.getDigest()), blob, listener);
        BufferedInputStream buffered = new BufferedInputStream(raw, 64 * 1024)) {
      buffered.mark(Compression.MAGIC_LENGTH);
      byte[] head = buffered.readNBytes(Compression.MAGIC_LENGTH);
      buffered.reset();
      InputStream tar =
          new DigestInputStream(Compression.detect(head, head.length).decompress(buffered), digest);
      applier.apply(name, tar);
      tar.transferTo(
          java.io.OutputStream.nullOutputStream()); // the end-of-archive blocks and any padding
    }
    String actual = Digests.of(digest);
    if (!actual.equals(layer.diffId())) {
      throw new InvalidLayerException(
          name,
          "uncompressed content is " + actual + ", not the config's diff_id " + layer.diffId());
    }
    listener.applied(blob);
  }

  private static void checkTarget(Path target) throws IOException {
    BasicFileAttributes attrs = TreeRoot.lstat(target);
    if (attrs == null) {
      Files.createDirectories(target.getParent());
      return;
    }
    if (!attrs.isDirectory()) {
      throw new FileAlreadyExistsException(
          target.toString(), null, "exists and is not a directory");
    }
    try (var children = Files.newDirectoryStream(target)) {
      if (children.iterator().hasNext()) {
        throw new FileAlreadyExistsException(target.toString(), null, "exists and is not empty");
      }
    }
  }

  /** rename(2) onto the target, which may be an empty directory (replaced atomically). */
  private static void moveOnto(Path work, Path target) throws IOException {
    try {
      Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (DirectoryNotEmptyException e) {
      throw new FileAlreadyExistsException(target.toString(), null, "was filled meanwhile");
    }
  }

  private static void removeQuietly(Path work) {
    try {
      BasicFileAttributes attrs = TreeRoot.lstat(work);
      if (attrs != null) {
        LayerApplier.deleteTree(work, attrs);
      }
    } catch (IOException e) {
      log.warn("could not remove the partial unpack {}: {}", work, e.toString());
    }
  }

  /** Reports the blob bytes read so far, at most every 1 MiB. */
  private static final class Counting extends FilterInputStream {
    private static final long STEP = 1 << 20;
    private final Descriptor blob;
    private final UnpackListener listener;
    private long count;
    private long reported;

    Counting(InputStream in, Descriptor blob, UnpackListener listener) {
      super(in);
      this.blob = blob;
      this.listener = listener;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) {
      count += n;
      if (count - reported >= STEP) {
        reported = count;
        listener.applying(blob, count);
      }
    }
  }
}
