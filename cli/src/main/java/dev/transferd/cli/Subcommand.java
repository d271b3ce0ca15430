package dev.transferd.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command below {@code transferctl}; reaches the shared options and connection through it. */
abstract class Subcommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  Transferctl cli() {
    return (Transferctl) spec.root().userObject();
  }

  @Override
  public final Integer call() throws Exception {
    run(cli());
    return ExitCodes.OK;
  }

  abstract void run(Transferctl cli) throws Exception;
}
