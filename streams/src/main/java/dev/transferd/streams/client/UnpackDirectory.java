package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import java.util.Objects;

/**
 * A directory on the server's machine to unpack a stored image into ({@code
 * dev.transferd.transfer.v1.UnpackDirectory}, transferd's own type; containerd has no such
 * destination). The source is a {@link StoredImage} naming one image. The server writes the whole
 * tree or nothing; the directory must not exist or be empty. Progress events name each layer
 * ({@code waiting}, {@code unpacking}, {@code complete}).
 *
 * @param path an absolute path on the server's machine
 * @param platform which platform of an index to unpack; null for the server's own
 */
public record UnpackDirectory(String path, Platform platform) implements TransferDestination {
  public UnpackDirectory {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "the directory must be an absolute path: \"" + path + "\"");
    }
  }

  public static UnpackDirectory at(String path) {
    return new UnpackDirectory(path, null);
  }

  public UnpackDirectory withPlatform(Platform only) {
    return new UnpackDirectory(path, only);
  }

  Any marshal() {
    dev.transferd.proto.transferd.transfer.UnpackDirectory.Builder b =
        dev.transferd.proto.transferd.transfer.UnpackDirectory.newBuilder().setPath(path);
    if (platform != null) {
      b.setPlatform(platform.toProto());
    }
    return AnyCodec.pack(b.build());
  }
}
