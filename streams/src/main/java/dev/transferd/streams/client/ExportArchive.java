package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamIds;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * An image archive the server streams back ({@code containerd.types.transfer.ImageExportStream}).
 * The transfer writes it into {@code out} on a background thread and flushes it; every byte is
 * written when {@link TransferClient#transfer} returns. The caller keeps ownership and closes it.
 *
 * @param platforms platforms to export; empty for the server's default
 * @param skipCompatibilityManifest leave out Docker's {@code manifest.json}
 * @param skipNonDistributable leave out non-distributable (foreign) layers
 */
public record ExportArchive(
    OutputStream out,
    String mediaType,
    List<Platform> platforms,
    boolean allPlatforms,
    boolean skipCompatibilityManifest,
    boolean skipNonDistributable)
    implements TransferDestination {
  public ExportArchive {
    Objects.requireNonNull(out, "out");
    mediaType = mediaType == null ? "" : mediaType;
    platforms = List.copyOf(platforms);
  }

  public static ExportArchive to(OutputStream out) {
    return new ExportArchive(out, "", List.of(), false, false, false);
  }

  public ExportArchive withPlatforms(Platform... only) {
    return new ExportArchive(
        out,
        mediaType,
        List.of(only),
        allPlatforms,
        skipCompatibilityManifest,
        skipNonDistributable);
  }

  public ExportArchive withAllPlatforms(boolean all) {
    return new ExportArchive(
        out, mediaType, platforms, all, skipCompatibilityManifest, skipNonDistributable);
  }

  /** Opens the export stream and starts receiving (granting credit at once), then encodes. */
  Any marshal(TransferSession session) throws InterruptedException {
    AnyStream stream = session.open(StreamIds.EXPORT);
    session.receive(stream, out);
    ImageExportStream.Builder b =
        ImageExportStream.newBuilder()
            .setStream(stream.id())
            .setMediaType(mediaType)
            .setAllPlatforms(allPlatforms)
            .setSkipCompatibilityManifest(skipCompatibilityManifest)
            .setSkipNonDistributable(skipNonDistributable);
    platforms.forEach(p -> b.addPlatforms(p.toProto()));
    return AnyCodec.pack(b.build());
  }
}
