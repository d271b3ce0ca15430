package dev.transferd.cli;

import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.RepackDirectory;
import dev.transferd.streams.client.StoredImage;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl repack DIR BASE NEW-REF [--platform P]}: the changes between the stored image
 * {@code BASE} and the tree in {@code DIR} (on the daemon's machine; a relative {@code DIR} is
 * taken from this command's working directory) become one new layer on top of {@code BASE}, stored
 * as {@code NEW-REF} (replaced if it exists).
 */
@Command(
    name = "repack",
    description = "Store a directory's changes to a base image as a new image with one more layer.")
final class RepackCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "DIR", description = "the changed tree")
  String dir;

  @Parameters(index = "1", paramLabel = "BASE", description = "the stored image DIR came from")
  String base;

  @Parameters(index = "2", paramLabel = "NEW-REF", description = "the name of the new image")
  String name;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "the platform of a multi-platform BASE; default the daemon's")
  String platform;

  @Override
  void run(Transferctl cli) {
    String path = Path.of(dir).toAbsolutePath().normalize().toString();
    RepackDirectory source = RepackDirectory.of(path, base);
    if (platform != null) {
      try {
        source = source.withPlatform(Platform.parse(platform));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--platform " + e.getMessage());
      }
    }
    TransferRun.run(
        cli,
        "repack " + path + " onto " + base,
        "repacked " + path + " as " + name,
        source,
        StoredImage.named(name),
        false,
        null);
  }
}
