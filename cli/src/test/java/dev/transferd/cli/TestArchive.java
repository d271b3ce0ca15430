package dev.transferd.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A one-image OCI archive built in the test: a layer of random bytes (its seed and size chosen by
 * the caller), a linux/amd64 config and manifest, and an index.json entry that carries the image's
 * name in {@code io.containerd.image.name}, or no name at all.
 */
final class TestArchive {
  private TestArchive() {}

  /** An OCI archive whose one image is named {@code name} ("" for unnamed). */
  static byte[] oci(String name, int layerBytes) throws IOException {
    Map<String, byte[]> blobs = new LinkedHashMap<>();
    byte[] layer = new byte[layerBytes];
    new Random(layerBytes).nextBytes(layer);
    String layerDigest = put(blobs, layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + layerDigest
                + "\"]},\"config\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    String configDigest = put(blobs, config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\""
                + layerDigest
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    String manifestDigest = put(blobs, manifest);
    String annotations =
        name.isEmpty() ? "" : ",\"annotations\":{\"io.containerd.image.name\":\"" + name + "\"}";
    byte[] index =
        ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + manifestDigest
                + "\",\"size\":"
                + manifest.length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}"
                + annotations
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      add(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      add(tar, "index.json", index);
      for (Map.Entry<String, byte[]> blob : blobs.entrySet()) {
        add(tar, "blobs/sha256/" + blob.getKey().substring(7), blob.getValue());
      }
    }
    return out.toByteArray();
  }

  private static String put(Map<String, byte[]> blobs, byte[] content) {
    try {
      String digest =
          "sha256:"
              + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
      blobs.put(digest, content);
      return digest;
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
