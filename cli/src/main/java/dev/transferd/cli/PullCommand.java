package dev.transferd.cli;

import dev.transferd.streams.client.StoredImage;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transferctl pull REF}: registry to image store, as {@code ctr images pull}. */
@Command(name = "pull", description = "Fetch an image from a registry into the store.")
final class PullCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "REF", description = "e.g. docker.io/library/alpine:3.20")
  String reference;

  @Mixin RegistryOptions registry;
  @Mixin PlatformOptions platforms;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "label the image (repeatable)")
  List<String> labels = new ArrayList<>();

  @Option(names = "--skip-metadata", description = "skip manifests and configs of other platforms")
  boolean skipMetadata;

  @Override
  void run(Transferctl cli) {
    StoredImage destination =
        new StoredImage(
            reference,
            Labels.parse(labels),
            platforms.selected(true),
            !skipMetadata,
            0,
            List.of(),
            List.of());
    TransferRun.run(
        cli,
        "pull " + reference,
        "pulled " + reference,
        registry.image(reference, cli.err),
        destination,
        false,
        null);
  }
}
