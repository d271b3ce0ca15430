package dev.transferd.cli.progress;

import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows a transfer's progress while it runs and a summary line when it ends. Events go to a {@link
 * ProgressBoard}; subclasses decide how the board is drawn. Use: create, pass as the transfer's
 * listener, then {@link #finish} (or {@link #abandon} after a failure) exactly once.
 */
public abstract class ProgressView implements ProgressListener {
  protected final ProgressBoard board = new ProgressBoard();
  protected final PrintStream out;
  private final long started = System.nanoTime();
  private volatile ByteMeter meter;

  protected ProgressView(PrintStream out) {
    this.out = out;
  }

  /** A live table redrawn in place; for terminals. */
  public static ProgressView table(PrintStream out, int width) {
    return new LiveTable(out, width);
  }

  /** One line per status and state change; for logs and pipes. */
  public static ProgressView lines(PrintStream out) {
    return new PlainLines(out);
  }

  /** Only the summary. */
  public static ProgressView summaryOnly(PrintStream out) {
    return new ProgressView(out) {};
  }

  /** Nothing at all. */
  public static ProgressView silent() {
    return new ProgressView(new PrintStream(java.io.OutputStream.nullOutputStream())) {
      @Override
      public void finish(String what, long bytes) {}
    };
  }

  @Override
  public final void onProgress(ProgressEvent event) {
    board.apply(event);
    changed(event);
  }

  /** Also shows {@code meter}'s bytes, rate and (with a total) a bar, where the view draws rows. */
  public void watch(ByteMeter meter) {
    this.meter = meter;
  }

  /** The archive being counted here, if any. */
  protected ByteMeter meter() {
    return meter;
  }

  /** Called after each event was applied, on the progress thread. */
  protected void changed(ProgressEvent event) {}

  /** Stops drawing after a failure, leaving what was drawn. */
  public void abandon() {}

  /**
   * Stops drawing and prints the summary: {@code <what>: <size> in <time> (<rate>)}.
   *
   * @param bytes the transfer's size; negative to take the blobs the board saw complete
   */
  public void finish(String what, long bytes) {
    abandon();
    out.println(summary(what, bytes < 0 ? board.completedBytes() : bytes, elapsed()));
    out.flush();
  }

  protected Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  String summary(String what, long bytes, Duration elapsed) {
    double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-3);
    StringBuilder line = new StringBuilder(what).append(": ").append(ByteSizes.format(bytes));
    line.append(String.format(Locale.ROOT, " in %.1fs", seconds));
    line.append(" (").append(ByteSizes.format((long) (bytes / seconds))).append("/s)");
    int existing = board.existingBlobs();
    if (board.completedBlobs() > 0 || existing > 0) {
      line.append(", ").append(board.completedBlobs()).append(" blobs transferred");
      if (existing > 0) {
        line.append(", ").append(existing).append(" already present");
      }
    }
    return line.toString();
  }
}
