package dev.transferd.cli;

import dev.transferd.proto.introspection.v1.ServerResponse;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code transferctl version}: this client's version and what the daemon says about itself. */
@Command(name = "version", description = "Print the client's version and the daemon's.")
final class VersionCommand extends Subcommand {
  @Override
  void run(Transferctl cli) {
    cli.out.println("Client:");
    cli.out.println("  Version: " + clientVersion());
    cli.out.println("  Java:    " + Runtime.version());
    cli.out.println();
    cli.out.println("Server:");
    cli.out.println("  Address: " + cli.socket());
    try {
      ServerResponse server = cli.api().server();
      cli.out.println("  UUID:    " + server.getUuid());
      cli.out.println("  PID:     " + server.getPid());
    } catch (TtrpcException e) {
      if (e.code() != StatusCode.UNIMPLEMENTED) {
        throw new CommandFailedException("ask the daemon for its version", e);
      }
      cli.out.println("  (running; it does not serve Introspection)");
    }
  }

  static String clientVersion() {
    String v = Transferctl.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** {@code transferctl --version}. */
  static final class ClientVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"transferctl " + clientVersion()};
    }
  }
}
