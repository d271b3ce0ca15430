package dev.transferd.cli;

import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.StoredImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl export FILE|- IMAGE...}: stored images into an OCI archive (with Docker's
 * {@code manifest.json} unless skipped), as {@code ctr images export}. A file is written under a
 * temporary name and renamed when complete, so a failed export leaves no partial archive.
 */
@Command(name = "export", description = "Export stored images to an archive (- for stdout).")
final class ExportCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "the archive, or - for stdout")
  String file;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "stored images")
  List<String> images;

  @Mixin PlatformOptions platforms;

  @Option(names = "--skip-manifest-json", description = "leave out Docker's manifest.json")
  boolean skipManifestJson;

  @Option(names = "--skip-non-distributable", description = "leave out foreign layers")
  boolean skipNonDistributable;

  @Override
  void run(Transferctl cli) throws IOException {
    StoredImage source =
        new StoredImage(
            "",
            Map.of(),
            List.of(),
            false,
            0,
            images.stream().map(ImageReference::named).toList(),
            List.of());
    boolean stdout = file.equals("-");
    Path target = stdout ? null : Path.of(file).toAbsolutePath();
    Path partial = stdout ? null : target.resolveSibling("." + target.getFileName() + ".partial");
    CountingOutputStream counted =
        new CountingOutputStream(stdout ? cli.out : Files.newOutputStream(partial));
    boolean done = false;
    try (OutputStream archive = stdout ? OutputStream.nullOutputStream() : counted) {
      ExportArchive destination =
          new ExportArchive(
              counted,
              "",
              platforms.selected(false),
              platforms.all,
              skipManifestJson,
              skipNonDistributable);
      TransferRun.run(
          cli,
          "export " + String.join(", ", images),
          "exported to " + (stdout ? "stdout" : file),
          source,
          destination,
          stdout,
          counted::count);
      done = true;
    } finally {
      if (stdout) {
        cli.out.flush();
      } else if (done) {
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.deleteIfExists(partial);
      }
    }
  }
}
