package dev.transferd.plugin.unpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.archive.Digests;
import dev.transferd.plugin.archive.MediaTypes;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A linux/amd64 OCI image made of test layers: its config (diff_ids, one history entry per layer)
 * and manifest, stored in a content store or written as an OCI layout for umoci and skopeo.
 */
public final class TestImage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, byte[]> blobs = new LinkedHashMap<>();
  private final Descriptor manifest;

  public TestImage(TestLayers layers) {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("created", "2024-03-01T12:00:00Z");
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    ArrayNode ls = m.putArray("layers");
    for (ImageLayers.Layer l : layers.layers()) {
      diffIds.add(l.diffId());
      history.addObject().put("created", "2024-03-01T12:00:00Z").put("created_by", "test");
      ls.add(node(l.blob()));
    }
    for (byte[] b : layers.blobs()) {
      blobs.put(Digests.of(b), b);
    }
    Descriptor c = put(MediaTypes.OCI_CONFIG, bytes(config));
    m.set("config", node(c));
    manifest = put(MediaTypes.OCI_MANIFEST, bytes(m));
  }

  public Descriptor manifest() {
    return manifest;
  }

  /** Stores every blob in {@code namespace} and names the image {@code name}. */
  public void storeIn(Store store, String namespace, String name) throws IOException {
    for (Map.Entry<String, byte[]> b : blobs.entrySet()) {
      try (ContentWriter w =
          store.content().writer(WriteRequest.of(namespace, "test-" + b.getKey()))) {
        w.write(b.getValue());
        w.commit(b.getValue().length, b.getKey(), Map.of());
      } catch (dev.transferd.plugin.store.StoreException e) {
        // already there: images may share blobs
      }
    }
    store.images().create(namespace, Image.of(name, manifest));
  }

  /**
   * Writes an OCI layout in {@code dir} whose index names the image {@code tag} (umoci's and
   * skopeo's name) and {@code name} (what transferd's import stores it as).
   */
  public Path writeLayout(Path dir, String tag, String name) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    for (Map.Entry<String, byte[]> b : blobs.entrySet()) {
      Files.write(dir.resolve("blobs/sha256/" + Digests.hex(b.getKey())), b.getValue());
    }
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode entry = node(manifest);
    entry
        .putObject("annotations")
        .put("org.opencontainers.image.ref.name", tag)
        .put("io.containerd.image.name", name);
    index.putArray("manifests").add(entry);
    Files.write(dir.resolve("index.json"), bytes(index));
    return dir;
  }

  private Descriptor put(String mediaType, byte[] bytes) {
    String digest = Digests.of(bytes);
    blobs.put(digest, bytes);
    return Descriptor.newBuilder()
        .setMediaType(mediaType)
        .setDigest(digest)
        .setSize(bytes.length)
        .build();
  }

  private static ObjectNode node(Descriptor d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("mediaType", d.getMediaType());
    n.put("digest", d.getDigest());
    n.put("size", d.getSize());
    return n;
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
