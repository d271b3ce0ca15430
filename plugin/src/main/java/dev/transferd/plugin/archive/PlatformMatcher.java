package dev.transferd.plugin.archive;

import dev.transferd.proto.types.Platform;
import java.util.List;
import java.util.Locale;

/**
 * Which platforms a transfer keeps (containerd's {@code platforms} matchers, simplified to what
 * transfers use): a list of wanted platforms, any of which may match, with architecture names and
 * default variants normalized ({@code x86_64} is {@code amd64}, {@code aarch64} is {@code
 * arm64/v8}, {@code arm} is {@code arm/v7}). An empty list matches everything. Immutable.
 */
public final class PlatformMatcher {
  private static final PlatformMatcher ALL = new PlatformMatcher(List.of());

  private final List<Platform> wanted;

  private PlatformMatcher(List<Platform> wanted) {
    this.wanted = wanted.stream().map(PlatformMatcher::normalize).toList();
  }

  public static PlatformMatcher all() {
    return ALL;
  }

  /** Any of {@code wanted}; all platforms when it is empty. */
  public static PlatformMatcher anyOf(List<Platform> wanted) {
    return wanted.isEmpty() ? ALL : new PlatformMatcher(wanted);
  }

  /** This host's platform only, e.g. {@code linux/amd64} (containerd's strict default). */
  public static PlatformMatcher host() {
    return new PlatformMatcher(List.of(hostPlatform()));
  }

  public static Platform hostPlatform() {
    return normalize(
        Platform.newBuilder()
            .setOs("linux")
            .setArchitecture(System.getProperty("os.arch", "amd64"))
            .build());
  }

  public boolean matchesAll() {
    return wanted.isEmpty();
  }

  public boolean matches(Platform platform) {
    if (wanted.isEmpty()) {
      return true;
    }
    Platform p = normalize(platform);
    for (Platform w : wanted) {
      if (w.getOs().equals(p.getOs())
          && w.getArchitecture().equals(p.getArchitecture())
          && w.getVariant().equals(p.getVariant())) {
        return true;
      }
    }
    return false;
  }

  /** The position of the first wanted platform {@code platform} matches, for ordering. */
  public int rank(Platform platform) {
    Platform p = normalize(platform);
    for (int i = 0; i < wanted.size(); i++) {
      Platform w = wanted.get(i);
      if (w.getOs().equals(p.getOs())
          && w.getArchitecture().equals(p.getArchitecture())
          && w.getVariant().equals(p.getVariant())) {
        return i;
      }
    }
    return wanted.isEmpty() ? 0 : Integer.MAX_VALUE;
  }

  static Platform normalize(Platform p) {
    String os = p.getOs().toLowerCase(Locale.ROOT);
    if (os.equals("macos")) {
      os = "darwin";
    }
    String arch = p.getArchitecture().toLowerCase(Locale.ROOT);
    String variant = p.getVariant().toLowerCase(Locale.ROOT);
    switch (arch) {
      case "i386" -> arch = "386";
      case "x86_64", "x86-64", "amd64" -> {
        arch = "amd64";
        if (variant.equals("v1")) {
          variant = "";
        }
      }
      case "aarch64", "arm64" -> {
        arch = "arm64";
        if (variant.isEmpty() || variant.equals("8") || variant.equals("v8.0")) {
          variant = "v8";
        }
      }
      case "armhf" -> {
        arch = "arm";
        variant = "v7";
      }
      case "armel" -> {
        arch = "arm";
        variant = "v6";
      }
      case "arm" -> {
        if (variant.isEmpty() || variant.equals("7")) {
          variant = "v7";
        } else if (variant.matches("[5-8]")) {
          variant = "v" + variant;
        }
      }
      default -> {}
    }
    return p.toBuilder().setOs(os).setArchitecture(arch).setVariant(variant).build();
  }

  @Override
  public String toString() {
    return wanted.isEmpty()
        ? "all platforms"
        : String.join(
            ", ",
            wanted.stream()
                .map(
                    w ->
                        w.getOs()
                            + "/"
                            + w.getArchitecture()
                            + (w.getVariant().isEmpty() ? "" : "/" + w.getVariant()))
                .toList());
  }
}
