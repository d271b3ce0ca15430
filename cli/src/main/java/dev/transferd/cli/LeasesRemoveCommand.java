package dev.transferd.cli;

import dev.transferd.ttrpc.TtrpcException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl leases rm ID...}: deletes leases, as {@code ctr leases rm}; what only they
 * held goes at the next garbage collection, or before the command returns with {@code --sync}.
 * Prints each id removed; stops at the first that fails (e.g. NOT_FOUND), naming it.
 */
@Command(
    name = "rm",
    aliases = {"remove", "delete"},
    description = "Remove leases by id.")
final class LeasesRemoveCommand extends Subcommand {
  @Option(
      names = "--sync",
      description = "collect garbage before returning, so what the leases held is gone")
  boolean sync;

  @Parameters(paramLabel = "ID", arity = "1..*", description = "lease ids (see leases ls)")
  List<String> ids;

  @Override
  void run(Transferctl cli) {
    StoreCalls calls = new StoreCalls(cli.client());
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      try {
        calls.deleteLease(cli.namespace(), id, sync && i == ids.size() - 1);
      } catch (TtrpcException e) {
        throw new CommandFailedException("remove lease " + id, e);
      }
      cli.out.println(id);
    }
  }
}
