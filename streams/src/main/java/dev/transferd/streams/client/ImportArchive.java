package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamIds;
import java.io.InputStream;
import java.util.Objects;

/**
 * An image archive the client streams to the server ({@code
 * containerd.types.transfer.ImageImportStream}): a docker-save or OCI tar, optionally compressed.
 * The transfer reads {@code archive} to its end on a background thread; the caller keeps ownership
 * and closes it.
 *
 * @param mediaType "" to let the server detect the format; otherwise the archive's media type
 * @param forceCompress gzip uncompressed layers while importing
 */
public record ImportArchive(InputStream archive, String mediaType, boolean forceCompress)
    implements TransferSource {
  public ImportArchive {
    Objects.requireNonNull(archive, "archive");
    mediaType = mediaType == null ? "" : mediaType;
  }

  public static ImportArchive from(InputStream archive) {
    return new ImportArchive(archive, "", false);
  }

  public ImportArchive withForceCompress(boolean compress) {
    return new ImportArchive(archive, mediaType, compress);
  }

  /** Opens the import stream and starts sending, then encodes the endpoint. */
  Any marshal(TransferSession session) throws InterruptedException {
    AnyStream stream = session.open(StreamIds.IMPORT);
    session.send(stream, archive);
    return AnyCodec.pack(
        ImageImportStream.newBuilder()
            .setStream(stream.id())
            .setMediaType(mediaType)
            .setForceCompress(forceCompress)
            .build());
  }
}
