package dev.transferd.cli;

import dev.transferd.cli.progress.ByteMeter;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.StoredImage;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl export FILE|- IMAGE...}: stored images into an OCI archive (with Docker's
 * {@code manifest.json} unless skipped), as {@code ctr images export}. {@link ArchiveTarget}
 * decides how FILE is written: a regular file under a temporary name renamed when complete, so a
 * failed or interrupted export leaves no partial archive; a FIFO or device in place; never a
 * terminal.
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
    List<Platform> selected = platforms.selected(false);
    try (ArchiveTarget target = ArchiveTarget.open(file, cli)) {
      CountingOutputStream counted = new CountingOutputStream(target.stream());
      ExportArchive destination =
          new ExportArchive(
              counted, "", selected, platforms.all, skipManifestJson, skipNonDistributable);
      String doing = "export " + String.join(", ", images);
      TransferRun.run(
          cli,
          doing,
          () -> commit(target, doing),
          "exported to " + (file.equals("-") ? "stdout" : file),
          source,
          destination,
          file.equals("-"),
          new ByteMeter(target.shown(), "receiving", counted::count, -1),
          event -> {});
    }
  }

  private static void commit(ArchiveTarget target, String doing) {
    try {
      target.commit();
    } catch (IOException e) {
      throw new CommandFailedException(doing, e);
    }
  }
}
