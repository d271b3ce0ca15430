package dev.transferd.plugin.archive;

import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.io.output.CloseShieldOutputStream;

/**
 * The layers of a {@code docker save} archive as the manifests made up for it list them
 * (docs/protocol/transfer.md §8.3, containerd's {@code resolveLayers}). For each layer file, once
 * per archive:
 *
 * <ol>
 *   <li>its uncompressed digest (diff_id), for the check against the config;
 *   <li>its descriptor: a compressed blob already in the store labelled {@code
 *       containerd.io/uncompressed=<file digest>} when there is one (so re-importing a saved image
 *       finds the layers a pull stored); else, with {@code force_compress}, a gzip copy of an
 *       uncompressed file made now and labelled the same way; else the file itself. Media type:
 *       {@code ...rootfs.diff.tar} when uncompressed, {@code ...rootfs.diff.tar.gzip} for any
 *       compression, as containerd writes it.
 * </ol>
 *
 * The config's {@code rootfs.diff_ids} stay as they are: compressing changes a layer's digest, not
 * its diff_id. The uncompressed file stays under the import's lease only, so the collector takes it
 * once nothing else needs it. Used by one importing thread.
 */
final class DockerLayers {
  /** The content label naming a compressed blob's uncompressed digest. */
  static final String UNCOMPRESSED_LABEL = "containerd.io/uncompressed";

  private static final int BUFFER = 256 * 1024;

  private final BlobSink sink;
  private final boolean forceCompress;
  private final Map<String, String> diffIds = new HashMap<>();
  private final Map<String, Descriptor> descriptors = new HashMap<>();

  DockerLayers(BlobSink sink, boolean forceCompress) {
    this.sink = sink;
    this.forceCompress = forceCompress;
  }

  /** The digest of the layer's tar after decompression. */
  String diffId(ArchiveFiles.File layer) throws IOException {
    String known = diffIds.get(layer.digest());
    if (known == null) {
      known = BlobWrites.uncompressedDigest(sink, layer);
      diffIds.put(layer.digest(), known);
    }
    return known;
  }

  /** The descriptor a manifest lists for the layer file. */
  Descriptor descriptor(ArchiveFiles.File layer) throws IOException {
    Descriptor known = descriptors.get(layer.digest());
    if (known == null) {
      known = resolve(layer);
      descriptors.put(layer.digest(), known);
    }
    return known;
  }

  private Descriptor resolve(ArchiveFiles.File layer) throws IOException {
    Optional<String> compressed = sink.compressedFormOf(layer.digest());
    if (compressed.isPresent()) {
      String digest = compressed.get();
      var size = sink.size(digest);
      if (size.isPresent()) {
        sink.retain(digest);
        return layerDescriptor(digest, size.getAsLong(), compressionOf(digest));
      }
    }
    if (forceCompress && layer.compression() == Compression.NONE && layer.size() > 0) {
      return gzip(layer);
    }
    return layerDescriptor(layer.digest(), layer.size(), layer.compression());
  }

  private Compression compressionOf(String digest) throws IOException {
    try (InputStream in = sink.open(digest)) {
      byte[] head = in.readNBytes(Compression.MAGIC_LENGTH);
      return Compression.detect(head, head.length);
    }
  }

  /** Stores a gzip copy of an uncompressed layer, labelled with the layer's digest. */
  private Descriptor gzip(ArchiveFiles.File layer) throws IOException {
    String hex = Digests.hex(layer.digest());
    try (BlobSink.Ingest ingest = sink.ingest("compress-blob-sha256-" + hex)) {
      try (InputStream in = sink.open(layer.digest());
          GZIPOutputStream gz =
              new GZIPOutputStream(CloseShieldOutputStream.wrap(ingest), BUFFER)) {
        in.transferTo(gz);
      }
      String digest = ingest.digest();
      long size = ingest.size();
      ingest.commit(size, digest, Map.of(UNCOMPRESSED_LABEL, layer.digest()));
      return layerDescriptor(digest, size, Compression.GZIP);
    }
  }

  private static Descriptor layerDescriptor(String digest, long size, Compression compression) {
    return Descriptor.newBuilder()
        .setMediaType(
            compression == Compression.NONE
                ? MediaTypes.DOCKER_LAYER
                : MediaTypes.DOCKER_LAYER_GZIP)
        .setDigest(digest)
        .setSize(size)
        .build();
  }
}
