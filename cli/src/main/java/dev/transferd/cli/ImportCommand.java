package dev.transferd.cli;

import dev.transferd.cli.progress.ByteMeter;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl import FILE|-}: a docker-save or OCI archive into the image store, with {@code
 * ctr images import}'s naming flags (docs/protocol/transfer.md §9.5).
 */
@Command(
    name = "import",
    description = "Import an image archive (docker save or OCI; - for stdin).")
final class ImportCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "the archive, or - for stdin")
  String file;

  @Mixin PlatformOptions platforms;

  @Option(
      names = "--index-name",
      paramLabel = "NAME",
      description = "also store the archive's index under this name")
  String indexName;

  @Option(
      names = "--base-name",
      paramLabel = "NAME",
      description =
          "import only the images whose names start with NAME (as ctr); an image named only by a"
              + " tag (an OCI ref name such as 1.0) is stored as NAME:TAG. Without it, every named"
              + " image is imported and a bare tag becomes import-YYYY-MM-DD:TAG")
  String baseName;

  @Option(names = "--digests", description = "also store each image as NAME@DIGEST")
  boolean digests;

  @Option(
      names = "--skip-digest-for-named",
      description = "with --digests, no NAME@DIGEST for images that have a name")
  boolean skipDigestForNamed;

  @Option(names = "--compress-blobs", description = "gzip uncompressed layers")
  boolean compressBlobs;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "label the images (repeatable)")
  List<String> labels = new ArrayList<>();

  @Override
  void run(Transferctl cli) throws IOException {
    if (skipDigestForNamed && !digests) {
      throw new UsageException("--skip-digest-for-named needs --digests");
    }
    String prefix = baseName != null ? baseName : "import-" + LocalDate.now();
    StoredImage destination =
        new StoredImage(
            indexName == null ? "" : indexName,
            Labels.parse(labels),
            platforms.selected(true),
            false,
            0,
            List.of(
                new ImageReference(
                    prefix, true, baseName == null, digests, digests && skipDigestForNamed)),
            List.of());
    boolean stdin = file.equals("-");
    CountingInputStream counted;
    try {
      counted = new CountingInputStream(stdin ? cli.in : Files.newInputStream(Path.of(file)));
    } catch (NoSuchFileException e) {
      throw new UsageException("no such archive: " + file);
    }
    AtomicInteger saved = new AtomicInteger();
    try (InputStream archive = counted) {
      long size = stdin ? -1 : Files.size(Path.of(file)); // 0 for a FIFO: no bar then
      TransferRun.run(
          cli,
          "import " + file,
          () -> {},
          "imported " + (stdin ? "stdin" : file),
          ImportArchive.from(archive).withForceCompress(compressBlobs),
          destination,
          false,
          new ByteMeter(stdin ? "stdin" : file, "sending", counted::count, size),
          event -> {
            if (event.event().equals("saved")) {
              saved.incrementAndGet();
            }
          });
    }
    if (saved.get() == 0) {
      cli.err.println("transferctl: warning: " + nothingNamed());
    }
  }

  /** Why an import stored no image under a name, and which flag would. */
  private String nothingNamed() {
    String archive = file.equals("-") ? "the archive" : file;
    return (baseName != null
            ? "no image in " + archive + " has a name starting with " + baseName
            : archive + " names no image")
        + "; nothing was stored under a name (try: "
        + (baseName != null ? "a --base-name its names start with, " : "--base-name NAME, ")
        + "--index-name NAME to store the whole archive, or --digests to name each image by its"
        + " digest)";
  }
}
