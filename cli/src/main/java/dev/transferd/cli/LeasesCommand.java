package dev.transferd.cli;

import dev.transferd.proto.leases.v1.Lease;
import dev.transferd.ttrpc.TtrpcException;
import java.util.ArrayList;
import java.util.Comparator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code transferctl leases ls}: leases protecting content in flight, as {@code ctr leases}. */
@Command(
    name = "leases",
    description = "List leases.",
    subcommands = {LeasesCommand.List.class, LeasesRemoveCommand.class})
final class LeasesCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageException("leases needs a command: ls or rm");
  }

  @Command(name = "ls", aliases = "list", description = "List leases.")
  static final class List extends Subcommand {
    @Parameters(paramLabel = "FILTER", arity = "0..*", description = "containerd filters")
    java.util.List<String> filters = new ArrayList<>();

    @Override
    void run(Transferctl cli) {
      java.util.List<Lease> leases;
      try {
        leases = new ArrayList<>(cli.api().listLeases(filters));
      } catch (TtrpcException e) {
        throw new CommandFailedException("list leases", e);
      }
      leases.sort(Comparator.comparing(Lease::getId));
      Table table = new Table("ID", "CREATED AT", "LABELS");
      for (Lease lease : leases) {
        table.add(
            lease.getId(),
            lease.hasCreatedAt() ? Formats.instant(lease.getCreatedAt()).toString() : "-",
            Formats.labels(lease.getLabelsMap()));
      }
      table.print(cli.out);
    }
  }
}
