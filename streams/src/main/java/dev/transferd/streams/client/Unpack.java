package dev.transferd.streams.client;

import java.util.Objects;

/**
 * Unpack stored images for {@code platform} into {@code snapshotter} ("" for the server's default).
 */
public record Unpack(Platform platform, String snapshotter) {
  public Unpack {
    Objects.requireNonNull(platform, "platform");
    snapshotter = snapshotter == null ? "" : snapshotter;
  }

  dev.transferd.proto.types.transfer.UnpackConfiguration toProto() {
    return dev.transferd.proto.types.transfer.UnpackConfiguration.newBuilder()
        .setPlatform(platform.toProto())
        .setSnapshotter(snapshotter)
        .build();
  }
}
