package dev.transferd.cli;

import dev.transferd.streams.client.StoredImage;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code transferctl push REF [LOCAL]}: image store to registry, as {@code ctr images push}. */
@Command(
    name = "push",
    description = {
      "Send a stored image to a registry.",
      "With one --platform, that platform's manifest is pushed under the tag, as ctr does; with"
          + " none, the whole image."
    })
final class PushCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "REF", description = "where to push, with its registry")
  String reference;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "LOCAL",
      description = "the stored image to push; default REF")
  String local;

  @Mixin RegistryOptions registry;
  @Mixin PlatformOptions platforms;

  @Override
  void run(Transferctl cli) {
    String name = local != null ? local : reference;
    StoredImage source =
        new StoredImage(name, Map.of(), platforms.selected(false), false, 0, List.of(), List.of());
    TransferRun.run(
        cli,
        "push " + name + " to " + reference,
        "pushed " + reference,
        source,
        registry.image(reference, cli.err),
        false,
        null);
  }
}
