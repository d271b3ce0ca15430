package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Images built in the test run: real layer tars (files, a symlink, a whiteout), configs with
 * matching diff_ids, OCI or Docker manifests, written as OCI layouts (directory or tar),
 * docker-save v1.2 and v1.0 archives, and docker 25 hybrids.
 */
final class TestImages {
  private TestImages() {}

  record Blob(String mediaType, byte[] bytes) {
    String digest() {
      return Digests.of(bytes);
    }

    String hex() {
      return Digests.hex(digest());
    }

    ObjectNode descriptor() {
      ObjectNode d = ArchiveJson.NODES.objectNode();
      d.put("mediaType", mediaType);
      d.put("digest", digest());
      d.put("size", bytes.length);
      return d;
    }
  }

  /**
   * One single-platform image: its layers (as stored), their uncompressed tars, config, manifest.
   */
  record Image(
      String os,
      String arch,
      String variant,
      List<Blob> layers,
      List<byte[]> diffs,
      Blob config,
      Blob manifest) {
    List<Blob> blobs() {
      List<Blob> all = new ArrayList<>(layers);
      all.add(config);
      all.add(manifest);
      return all;
    }

    ObjectNode platform() {
      ObjectNode p = ArchiveJson.NODES.objectNode();
      p.put("architecture", arch);
      p.put("os", os);
      if (!variant.isEmpty()) {
        p.put("variant", variant);
      }
      return p;
    }
  }

  /**
   * Layer {@code i} of image {@code seed}: a file, a symlink, and from the second on a whiteout.
   */
  static byte[] layerTar(String seed, int i) {
    TarWriter t =
        new TarWriter().dir("etc").file("etc/" + seed + "-" + i, seed + " layer " + i + "\n");
    if (i == 0) {
      t.dir("bin")
          .file("bin/busybox", ("#!/bin/true " + seed + "\n").repeat(50))
          .symlink("bin/sh", "busybox");
    } else {
      t.file("etc/.wh." + seed + "-" + (i - 1), "");
    }
    return t.finish();
  }

  static Image image(
      String seed, String arch, String variant, int layerCount, boolean gzip, boolean oci) {
    List<Blob> layers = new ArrayList<>();
    List<byte[]> diffs = new ArrayList<>();
    ObjectNode config = ArchiveJson.NODES.objectNode();
    config.put("architecture", arch);
    config.put("os", "linux");
    if (!variant.isEmpty()) {
      config.put("variant", variant);
    }
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    for (int i = 0; i < layerCount; i++) {
      byte[] diff = layerTar(seed + "-" + arch, i);
      diffs.add(diff);
      diffIds.add(Digests.of(diff));
      history.addObject().put("created_by", "layer " + i);
      String type =
          oci
              ? (gzip
                  ? "application/vnd.oci.image.layer.v1.tar+gzip"
                  : "application/vnd.oci.image.layer.v1.tar")
              : (gzip ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.DOCKER_LAYER);
      layers.add(new Blob(type, gzip ? gzip(diff) : diff));
    }
    Blob configBlob =
        new Blob(oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG, ArchiveJson.bytes(config));
    ObjectNode manifest = ArchiveJson.NODES.objectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST);
    manifest.set("config", configBlob.descriptor());
    ArrayNode ls = manifest.putArray("layers");
    layers.forEach(l -> ls.add(l.descriptor()));
    Blob manifestBlob =
        new Blob(
            oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST,
            ArchiveJson.bytes(manifest));
    return new Image("linux", arch, variant, layers, diffs, configBlob, manifestBlob);
  }

  static Image image(String seed) {
    return image(seed, "amd64", "", 2, true, true);
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** An OCI image layout in memory: blobs and index.json entries. */
  static final class Layout {
    final Map<String, Blob> blobs = new LinkedHashMap<>();
    final ArrayNode manifests = ArchiveJson.NODES.arrayNode();

    /** Adds a single-platform image as an index.json entry named {@code refName} (or unnamed). */
    Layout add(Image image, String refName, String imageName) {
      image.blobs().forEach(b -> blobs.put(b.digest(), b));
      ObjectNode d = image.manifest().descriptor();
      annotate(d, refName, imageName);
      manifests.add(d);
      return this;
    }

    /** Adds a multi-platform image: a nested index over {@code images}, named {@code refName}. */
    Layout addIndex(List<Image> images, String refName) {
      ObjectNode index = ArchiveJson.NODES.objectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      ArrayNode ms = index.putArray("manifests");
      for (Image image : images) {
        image.blobs().forEach(b -> blobs.put(b.digest(), b));
        ms.add(image.manifest().descriptor().set("platform", image.platform()));
      }
      Blob indexBlob = new Blob(MediaTypes.OCI_INDEX, ArchiveJson.bytes(index));
      blobs.put(indexBlob.digest(), indexBlob);
      ObjectNode d = indexBlob.descriptor();
      annotate(d, refName, null);
      manifests.add(d);
      return this;
    }

    private static void annotate(ObjectNode d, String refName, String imageName) {
      if (refName != null || imageName != null) {
        ObjectNode a = d.putObject("annotations");
        if (imageName != null) {
          a.put("io.containerd.image.name", imageName);
        }
        if (refName != null) {
          a.put("org.opencontainers.image.ref.name", refName);
        }
      }
    }

    byte[] indexJson() {
      ObjectNode index = ArchiveJson.NODES.objectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.set("manifests", manifests);
      return ArchiveJson.bytes(index);
    }

    /** The layout as a tar, every name under {@code prefix} ("" for none). */
    byte[] tar(String prefix) {
      TarWriter t = new TarWriter();
      writeTo(t, prefix);
      return t.finish();
    }

    void writeTo(TarWriter t, String prefix) {
      if (!prefix.isEmpty()) {
        t.dir(prefix);
      }
      t.file(prefix + "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
      t.dir(prefix + "blobs").dir(prefix + "blobs/sha256");
      blobs.values().forEach(b -> t.file(prefix + "blobs/sha256/" + b.hex(), b.bytes()));
      t.file(prefix + "index.json", indexJson());
    }

    /** The layout as a directory, for skopeo's {@code oci:} transport. */
    Path writeDir(Path dir) throws IOException {
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      for (Blob b : blobs.values()) {
        Files.write(dir.resolve("blobs/sha256/" + b.hex()), b.bytes());
      }
      Files.write(dir.resolve("index.json"), indexJson());
      return dir;
    }
  }

  /** A docker save v1.2 archive: {@code <hex>.json} configs, {@code <hex>/layer.tar} layers. */
  static byte[] dockerSave(Map<Image, List<String>> images) {
    TarWriter t = new TarWriter();
    ArrayNode manifest = ArchiveJson.NODES.arrayNode();
    java.util.Set<String> written = new java.util.HashSet<>();
    for (Map.Entry<Image, List<String>> e : images.entrySet()) {
      Image image = e.getKey();
      ObjectNode entry = manifest.addObject();
      entry.put("Config", image.config().hex() + ".json");
      ArrayNode tags = entry.putArray("RepoTags");
      e.getValue().forEach(tags::add);
      ArrayNode layers = entry.putArray("Layers");
      if (written.add(image.config().hex())) {
        t.file(image.config().hex() + ".json", image.config().bytes());
      }
      for (byte[] diff : image.diffs()) {
        String dir = Digests.hex(Digests.of(diff));
        layers.add(dir + "/layer.tar");
        if (written.add(dir)) {
          t.dir(dir).file(dir + "/VERSION", "1.0").file(dir + "/layer.tar", diff);
        }
      }
    }
    t.file("manifest.json", ArchiveJson.bytes(manifest));
    return t.finish();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
