package dev.transferd.cli;

import dev.transferd.cli.progress.ByteMeter;
import dev.transferd.cli.progress.ProgressView;
import dev.transferd.streams.client.ProgressListener;
import dev.transferd.streams.client.TransferDestination;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.streams.client.TransferSource;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.function.LongSupplier;

/** Runs one transfer with the progress view {@code --progress} asks for, and its summary. */
final class TransferRun {
  private TransferRun() {}

  /**
   * @param doing what to call the transfer in an error, e.g. {@code pull docker.io/x:1}
   * @param done the summary's first words, e.g. {@code pulled docker.io/x:1}
   * @param stdoutIsData whether stdout carries an archive (progress then goes to stderr)
   * @param bytes the size for the summary; null to sum the blobs the progress events completed
   */
  static void run(
      Transferctl cli,
      String doing,
      String done,
      TransferSource source,
      TransferDestination destination,
      boolean stdoutIsData,
      LongSupplier bytes) {
    run(
        cli,
        doing,
        () -> {},
        done,
        source,
        destination,
        stdoutIsData,
        bytes == null ? null : new ByteMeter("", "", bytes, -1),
        e -> {});
  }

  /**
   * Like the other, with {@code complete} run after the transfer succeeded and before the summary
   * (e.g. an export moving its archive in place); what it throws fails the command. {@code also}
   * sees every progress event after the view. {@code meter} counts an archive moving through this
   * process: its count is the summary's size, and a live table shows it; null to sum the blobs the
   * progress events completed.
   */
  static void run(
      Transferctl cli,
      String doing,
      Runnable complete,
      String done,
      TransferSource source,
      TransferDestination destination,
      boolean stdoutIsData,
      ByteMeter meter,
      ProgressListener also) {
    ProgressView view = view(cli, stdoutIsData);
    if (meter != null && !meter.label().isEmpty()) {
      view.watch(meter);
    }
    ProgressListener both =
        event -> {
          view.onProgress(event);
          also.onProgress(event);
        };
    try {
      cli.transfers().transfer(source, destination, TransferOptions.withProgress(both));
      complete.run();
    } catch (TtrpcException | IOException e) {
      view.abandon();
      throw new CommandFailedException(doing, e);
    } catch (RuntimeException e) {
      view.abandon();
      throw e;
    }
    view.finish(done, meter == null ? -1 : meter.count().getAsLong());
  }

  private static ProgressView view(Transferctl cli, boolean stdoutIsData) {
    PrintStream to = cli.progressStream(stdoutIsData);
    return switch (cli.progress) {
      case none -> ProgressView.silent();
      case plain -> ProgressView.lines(to);
      case tty -> ProgressView.table(to, Terminal.width(cli.env()));
      case auto ->
          !stdoutIsData && cli.terminal()
              ? ProgressView.table(to, Terminal.width(cli.env()))
              : ProgressView.lines(to);
    };
  }
}
