package dev.transferd.cli;

import dev.transferd.cli.progress.ByteSizes;
import dev.transferd.proto.content.v1.Status;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl content ingests}: uploads in progress (partial blobs) of the namespace, as
 * {@code ctr content active}; {@code --abort REF} (repeatable) removes those uploads instead, as
 * {@code ctr content abort}, printing each ref removed.
 */
@Command(
    name = "ingests",
    aliases = "active",
    description = "List uploads in progress, or abort them with --abort.")
final class ContentIngestsCommand extends Subcommand {
  @Option(
      names = "--abort",
      paramLabel = "REF",
      description = "remove this upload and its bytes (repeatable)")
  List<String> abort = new ArrayList<>();

  @Parameters(paramLabel = "FILTER", arity = "0..*", description = "containerd filters (ref==…)")
  List<String> filters = new ArrayList<>();

  @Override
  void run(Transferctl cli) {
    StoreCalls calls = new StoreCalls(cli.client());
    if (!abort.isEmpty()) {
      if (!filters.isEmpty()) {
        throw new UsageException("--abort takes refs, not filters");
      }
      for (String ref : abort) {
        try {
          calls.abortIngest(cli.namespace(), ref);
        } catch (TtrpcException e) {
          throw new CommandFailedException("abort ingest " + ref, e);
        }
        cli.out.println(ref);
      }
      return;
    }
    List<Status> ingests;
    try {
      ingests = new ArrayList<>(calls.ingests(cli.namespace(), filters));
    } catch (TtrpcException e) {
      throw new CommandFailedException("list ingests", e);
    }
    ingests.sort(Comparator.comparing(Status::getRef));
    Instant now = Instant.now();
    Table table = new Table("REF", "SIZE", "TOTAL", "UPDATED", "EXPECTED");
    for (Status s : ingests) {
      table.add(
          s.getRef(),
          ByteSizes.format(s.getOffset()),
          s.getTotal() > 0 ? ByteSizes.format(s.getTotal()) : "-",
          Formats.age(s.getUpdatedAt(), now),
          s.getExpected().isEmpty() ? "-" : s.getExpected());
    }
    table.print(cli.out);
  }
}
