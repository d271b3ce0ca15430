package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import java.util.Objects;

/**
 * A directory on the server's machine, repacked on top of a stored base image ({@code
 * dev.transferd.transfer.v1.RepackDirectory}, transferd's own type): the changes between the base's
 * tree and the directory become one new layer. The destination is a {@link StoredImage} naming the
 * result (replaced if it exists).
 *
 * @param path an absolute path on the server's machine
 * @param base the stored image the directory was unpacked from
 * @param platform which platform of a multi-platform base; null for the server's own
 */
public record RepackDirectory(String path, String base, Platform platform)
    implements TransferSource {
  public RepackDirectory {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(base, "base");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "the directory must be an absolute path: \"" + path + "\"");
    }
  }

  public static RepackDirectory of(String path, String base) {
    return new RepackDirectory(path, base, null);
  }

  public RepackDirectory withPlatform(Platform only) {
    return new RepackDirectory(path, base, only);
  }

  Any marshal() {
    dev.transferd.proto.transferd.transfer.RepackDirectory.Builder b =
        dev.transferd.proto.transferd.transfer.RepackDirectory.newBuilder()
            .setPath(path)
            .setBase(base);
    if (platform != null) {
      b.setPlatform(platform.toProto());
    }
    return AnyCodec.pack(b.build());
  }
}
