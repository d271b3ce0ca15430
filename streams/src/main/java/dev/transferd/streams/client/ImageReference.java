package dev.transferd.streams.client;

import java.util.Objects;

/**
 * An extra name for stored images ({@code containerd.types.transfer.ImageReference},
 * docs/protocol/transfer.md §8.7).
 *
 * @param prefix whether {@code name} is a prefix for names found in an archive
 * @param allowOverwrite whether an existing image of that name may be replaced
 * @param addDigest whether to also store {@code name@digest}
 * @param skipNamedDigest whether to skip {@code name@digest} for images that have a name
 */
public record ImageReference(
    String name,
    boolean prefix,
    boolean allowOverwrite,
    boolean addDigest,
    boolean skipNamedDigest) {
  public ImageReference {
    Objects.requireNonNull(name, "name");
  }

  /** Exactly this name. */
  public static ImageReference named(String name) {
    return new ImageReference(name, false, false, false, false);
  }

  dev.transferd.proto.types.transfer.ImageReference toProto() {
    return dev.transferd.proto.types.transfer.ImageReference.newBuilder()
        .setName(name)
        .setIsPrefix(prefix)
        .setAllowOverwrite(allowOverwrite)
        .setAddDigest(addDigest)
        .setSkipNamedDigest(skipNamedDigest)
        .build();
  }
}
