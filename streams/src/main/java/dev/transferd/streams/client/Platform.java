package dev.transferd.streams.client;

import java.util.List;
import java.util.Objects;

/**
 * An OCI platform, e.g. {@code linux/arm64/v8}.
 *
 * @param osVersion Windows build; usually empty
 * @param osFeatures since containerd 2.3; usually empty
 */
public record Platform(
    String os, String architecture, String variant, String osVersion, List<String> osFeatures) {
  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null ? "" : variant;
    osVersion = osVersion == null ? "" : osVersion;
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    if (os.isEmpty() || architecture.isEmpty()) {
      throw new IllegalArgumentException("a platform needs an os and an architecture");
    }
  }

  /**
   * Parses {@code os/architecture[/variant]}.
   *
   * @throws IllegalArgumentException for any other shape
   */
  public static Platform parse(String spec) {
    String[] parts = spec.split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw new IllegalArgumentException(
          "platform must be os/architecture[/variant]: \"" + spec + "\"");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "", "", List.of());
  }

  dev.transferd.proto.types.Platform toProto() {
    return dev.transferd.proto.types.Platform.newBuilder()
        .setOs(os)
        .setArchitecture(architecture)
        .setVariant(variant)
        .setOsVersion(osVersion)
        .addAllOsFeatures(osFeatures)
        .build();
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
