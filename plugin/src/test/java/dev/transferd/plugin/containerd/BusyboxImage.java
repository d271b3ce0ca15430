package dev.transferd.plugin.containerd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A runnable one-layer image made from Debian's static busybox ({@code busybox-static}): {@code
 * /bin/busybox} and a {@code /bin/sh} link, default command {@code sh -c 'echo <GREETING>; ...'}.
 * Written as an OCI layout directory (for skopeo) and as an OCI archive (for {@code ctr images
 * import}).
 */
public record BusyboxImage(
    Path layout, Path archive, String name, String manifest, String config, String layer) {
  public static final Path BUSYBOX = Path.of("/bin/busybox");
  public static final String GREETING = "hello from transferd's store";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every blob of the image, root first. */
  public List<String> digests() {
    return List.of(manifest, config, layer);
  }

  public static BusyboxImage write(Path dir, String name) throws IOException {
    Path layout = Files.createDirectories(dir.resolve("layout"));
    Files.createDirectories(layout.resolve("blobs/sha256"));
    byte[] busybox = Files.readAllBytes(BUSYBOX);
    ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
      TarArchiveEntry bin = new TarArchiveEntry("bin/");
      bin.setMode(040755);
      tar.putArchiveEntry(bin);
      tar.closeArchiveEntry();
      TarArchiveEntry file = new TarArchiveEntry("bin/busybox");
      file.setMode(0100755);
      file.setSize(busybox.length);
      tar.putArchiveEntry(file);
      tar.write(busybox);
      tar.closeArchiveEntry();
      TarArchiveEntry sh = new TarArchiveEntry("bin/sh", TarArchiveEntry.LF_SYMLINK);
      sh.setLinkName("busybox");
      tar.putArchiveEntry(sh);
      tar.closeArchiveEntry();
    }
    byte[] uncompressed = tarBytes.toByteArray();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(uncompressed);
    }
    String layer = blob(layout, gz.toByteArray());

    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    // The pause after the echo: ctr 1.6 can close a task's stdout before copying the output of a
    // process that exits at once, and the tests read that output.
    config
        .putObject("config")
        .putArray("Cmd")
        .add("/bin/sh")
        .add("-c")
        .add("echo \"" + GREETING + "\" && sleep 0.3");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(sha256(uncompressed));
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = blob(layout, configBytes);

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest.set(
        "config",
        descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
    manifest
        .putArray("layers")
        .add(
            descriptor(
                "application/vnd.oci.image.layer.v1.tar+gzip", layer, gz.toByteArray().length));
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    String manifestDigest = blob(layout, manifestBytes);

    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode entry =
        descriptor(
            "application/vnd.oci.image.manifest.v1+json", manifestDigest, manifestBytes.length);
    ObjectNode annotations = entry.putObject("annotations");
    annotations.put("io.containerd.image.name", name);
    annotations.put("org.opencontainers.image.ref.name", "latest");
    index.putArray("manifests").add(entry);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

    Path archive = dir.resolve("image.tar");
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      for (String path :
          List.of(
              "oci-layout",
              "index.json",
              "blobs/sha256/" + hex(manifestDigest),
              "blobs/sha256/" + hex(configDigest),
              "blobs/sha256/" + hex(layer))) {
        byte[] data = Files.readAllBytes(layout.resolve(path));
        TarArchiveEntry e = new TarArchiveEntry(path);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    return new BusyboxImage(layout, archive, name, manifestDigest, configDigest, layer);
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }

  private static String blob(Path layout, byte[] data) throws IOException {
    String digest = sha256(data);
    Files.write(layout.resolve("blobs/sha256/" + hex(digest)), data);
    return digest;
  }

  public static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
