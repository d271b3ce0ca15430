package dev.transferd.cli;

import dev.transferd.streams.client.StoredImage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl tag SOURCE TARGET...}: one image-store to image-store transfer per target, as
 * {@code ctr images tag}; existing targets are replaced. Every target must be a valid reference
 * (checked before any is created).
 */
@Command(name = "tag", description = "Give a stored image more names.")
final class TagCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "a stored image")
  String source;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET", description = "new names")
  List<String> targets;

  @Override
  void run(Transferctl cli) {
    if (source.isEmpty()) {
      throw new UsageException("the image to tag must be named");
    }
    targets.forEach(References::check);
    for (String target : targets) {
      try {
        cli.transfers().transfer(StoredImage.named(source), StoredImage.named(target));
      } catch (java.io.IOException | dev.transferd.ttrpc.TtrpcException e) {
        throw new CommandFailedException("tag " + source + " as " + target, e);
      }
      cli.out.println(target);
    }
  }
}
