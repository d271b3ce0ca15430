package dev.transferd.cli;

import dev.transferd.cli.progress.ByteSizes;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transferctl content ls|rm}: the content store's blobs, as {@code ctr content}. */
@Command(
    name = "content",
    description = "List and remove blobs in the content store.",
    subcommands = {
      ContentCommand.List.class,
      ContentCommand.Remove.class,
      ContentIngestsCommand.class
    })
final class ContentCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageException("content needs a command: ls or rm");
  }

  @Command(name = "ls", aliases = "list", description = "List blobs.")
  static final class List extends Subcommand {
    @Option(
        names = {"-q", "--quiet"},
        description = "print only the digests")
    boolean quiet;

    @Parameters(paramLabel = "FILTER", arity = "0..*", description = "containerd filters")
    java.util.List<String> filters = new ArrayList<>();

    @Override
    void run(Transferctl cli) {
      java.util.List<Info> blobs;
      try {
        blobs = new ArrayList<>(cli.api().listContent(filters));
      } catch (TtrpcException e) {
        throw new CommandFailedException("list content", e);
      }
      blobs.sort(Comparator.comparing(Info::getDigest));
      if (quiet) {
        StringBuilder digests = new StringBuilder();
        blobs.forEach(b -> digests.append(b.getDigest()).append('\n'));
        cli.out.print(digests);
        return;
      }
      Instant now = Instant.now();
      Table table = new Table("DIGEST", "SIZE", "AGE", "LABELS");
      for (Info blob : blobs) {
        table.add(
            blob.getDigest(),
            ByteSizes.format(blob.getSize()),
            Formats.age(blob.getCreatedAt(), now),
            Formats.labels(blob.getLabelsMap()));
      }
      table.print(cli.out);
    }
  }

  @Command(
      name = "rm",
      aliases = {"remove", "delete"},
      description = "Remove blobs by digest.")
  static final class Remove extends Subcommand {
    @Parameters(paramLabel = "DIGEST", arity = "1..*", description = "e.g. sha256:…")
    java.util.List<String> digests;

    @Override
    void run(Transferctl cli) {
      for (String digest : digests) {
        try {
          cli.api().deleteContent(digest);
        } catch (TtrpcException e) {
          throw new CommandFailedException("remove " + digest, e);
        }
        cli.out.println(digest);
      }
    }
  }
}
