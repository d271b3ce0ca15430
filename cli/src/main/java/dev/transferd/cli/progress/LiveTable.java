package dev.transferd.cli.progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ctr's live progress table: the status line, then one line per blob or image with its state, a bar
 * and bytes, redrawn in place every 100 ms with ANSI cursor movement by a daemon thread.
 */
final class LiveTable extends ProgressView {
  private static final String CLEAR_LINE = "\u001b[2K";
  private static final int BAR = 30;

  private final int width;
  private final Thread ticker;
  private int drawnLines; // guarded by this
  private boolean stopped; // guarded by this

  LiveTable(PrintStream out, int width) {
    super(out);
    this.width = width;
    this.ticker =
        Thread.ofPlatform()
            .daemon()
            .name("progress-table")
            .start(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      draw();
                      Thread.sleep(100);
                    }
                  } catch (InterruptedException e) {
                    // finished
                  }
                });
  }

  @Override
  public void abandon() {
    ticker.interrupt();
    try {
      ticker.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (!stopped) {
        draw();
        stopped = true;
      }
    }
  }

  private synchronized void draw() {
    if (stopped) {
      return;
    }
    List<String> lines = render();
    StringBuilder frame = new StringBuilder();
    if (drawnLines > 0) {
      frame.append("\u001b[").append(drawnLines).append('F'); // up to the first line drawn
    }
    for (String line : lines) {
      frame.append(CLEAR_LINE).append(line).append('\n');
    }
    out.print(frame);
    out.flush();
    drawnLines = lines.size();
  }

  List<String> render() {
    List<String> lines = new ArrayList<>();
    String status = board.status();
    lines.add(
        fit(status.isEmpty() ? "working…" : status)
            + String.format(Locale.ROOT, "  %.1fs", elapsed().toNanos() / 1e9));
    int nameWidth = Math.max(20, width - BAR - 42);
    for (ProgressBoard.Row row : board.rows()) {
      String name = "  ".repeat(row.depth()) + row.name();
      if (name.length() > nameWidth) {
        name = name.substring(0, nameWidth - 1) + "…";
      }
      StringBuilder line = new StringBuilder();
      line.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %-15s", name, row.state()));
      if (row.total() > 0) {
        line.append(' ').append(bar(row)).append(' ');
        line.append(ByteSizes.format(row.progress())).append('/');
        line.append(ByteSizes.format(row.total()));
      }
      lines.add(fit(line.toString()));
    }
    ByteMeter meter = meter();
    if (meter != null) {
      long count = meter.count().getAsLong();
      int labelWidth = Math.max(12, nameWidth - 14); // room for the rate at the end
      String name = meter.label();
      if (name.length() > labelWidth) {
        name = "…" + name.substring(name.length() - labelWidth + 1);
      }
      StringBuilder line = new StringBuilder();
      line.append(String.format(Locale.ROOT, "%-" + labelWidth + "s %-15s", name, meter.state()));
      if (meter.total() > 0) {
        line.append(' ').append(bar(count, meter.total())).append(' ');
        line.append(ByteSizes.format(count)).append('/').append(ByteSizes.format(meter.total()));
      } else {
        line.append(' ').append(ByteSizes.format(count));
      }
      double seconds = Math.max(elapsed().toNanos() / 1e9, 1e-3);
      line.append("  ").append(ByteSizes.format((long) (count / seconds))).append("/s");
      lines.add(fit(line.toString()));
    }
    return lines;
  }

  private static String bar(ProgressBoard.Row row) {
    return bar(row.done() ? row.total() : row.progress(), row.total());
  }

  private static String bar(long progress, long total) {
    int filled = (int) (BAR * Math.min(progress, total) / total);
    return "|" + "+".repeat(filled) + "-".repeat(BAR - filled) + "|";
  }

  private String fit(String line) {
    return line.length() <= width ? line : line.substring(0, width);
  }
}
