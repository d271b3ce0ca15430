package dev.transferd.cli;

import dev.transferd.streams.client.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** ctr's {@code --platform} (repeatable) and {@code --all-platforms}. */
final class PlatformOptions {
  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description =
          "only this platform (repeatable); without it, pull and import take this host's, push"
              + " and export every platform")
  List<String> platforms = new ArrayList<>();

  @Option(names = "--all-platforms", description = "every platform of the image")
  boolean all;

  /**
   * The platforms asked for: none for all, the host's when none is given and {@code hostDefault}.
   *
   * @throws UsageException for a malformed platform, or both flags at once
   */
  List<Platform> selected(boolean hostDefault) {
    if (all && !platforms.isEmpty()) {
      throw new UsageException("--platform and --all-platforms exclude each other");
    }
    if (all) {
      return List.of();
    }
    if (platforms.isEmpty()) {
      return hostDefault ? List.of(host()) : List.of();
    }
    List<Platform> parsed = new ArrayList<>();
    for (String p : platforms) {
      try {
        parsed.add(Platform.parse(p));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--platform " + e.getMessage());
      }
    }
    return parsed;
  }

  /** This machine's platform in OCI terms, e.g. linux/amd64 or linux/arm64/v8. */
  static Platform host() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> Platform.parse("linux/amd64");
      case "aarch64", "arm64" -> Platform.parse("linux/arm64/v8");
      case "arm" -> Platform.parse("linux/arm/v7");
      case "x86", "i386", "i686" -> Platform.parse("linux/386");
      default -> Platform.parse("linux/" + arch);
    };
  }
}
