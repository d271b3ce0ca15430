package dev.transferd.cli;

import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.UnpackDirectory;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl unpack IMAGE DIR [--platform P]}: a stored image as a root filesystem in
 * {@code DIR}, written by the daemon on its own machine (a relative {@code DIR} is taken from this
 * command's working directory). {@code DIR} must not exist or be empty; it is written whole or not
 * at all.
 */
@Command(
    name = "unpack",
    description = "Unpack a stored image into a directory on the daemon's machine.")
final class UnpackCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "a stored image")
  String image;

  @Parameters(index = "1", paramLabel = "DIR", description = "the directory to create")
  String dir;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "the platform to unpack from a multi-platform image; default the daemon's")
  String platform;

  @Override
  void run(Transferctl cli) {
    String path = Path.of(dir).toAbsolutePath().normalize().toString();
    UnpackDirectory destination = UnpackDirectory.at(path);
    if (platform != null) {
      try {
        destination = destination.withPlatform(Platform.parse(platform));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--platform " + e.getMessage());
      }
    }
    TransferRun.run(
        cli,
        "unpack " + image,
        "unpacked " + image + " to " + path,
        StoredImage.named(image),
        destination,
        false,
        null);
  }
}
