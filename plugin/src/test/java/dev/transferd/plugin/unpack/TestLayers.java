package dev.transferd.plugin.unpack;

import dev.transferd.plugin.archive.Digests;
import dev.transferd.proto.types.Descriptor;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Layers held in memory, as blobs with their diff_ids, and a {@link LayerSource} over them. */
public final class TestLayers implements LayerSource {
  private final Map<String, byte[]> blobs = new LinkedHashMap<>();
  private final List<ImageLayers.Layer> layers = new ArrayList<>();

  /** Adds a gzip-compressed layer. */
  public TestLayers add(LayerTar tar) {
    byte[] raw = tar.bytes();
    return add(LayerTar.gzip(raw), "application/vnd.oci.image.layer.v1.tar+gzip", Digests.of(raw));
  }

  TestLayers add(byte[] blob, String mediaType, String diffId) {
    String digest = Digests.of(blob);
    blobs.put(digest, blob);
    layers.add(
        new ImageLayers.Layer(
            Descriptor.newBuilder()
                .setMediaType(mediaType)
                .setDigest(digest)
                .setSize(blob.length)
                .build(),
            diffId));
    return this;
  }

  List<ImageLayers.Layer> layers() {
    return List.copyOf(layers);
  }

  List<byte[]> blobs() {
    return List.copyOf(blobs.values());
  }

  @Override
  public ByteArrayInputStream open(String digest) throws FileNotFoundException {
    byte[] b = blobs.get(digest);
    if (b == null) {
      throw new FileNotFoundException(digest);
    }
    return new ByteArrayInputStream(b);
  }
}
