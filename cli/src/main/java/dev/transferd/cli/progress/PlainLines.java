package dev.transferd.cli.progress;

import dev.transferd.streams.client.ProgressEvent;
import java.io.PrintStream;

/**
 * Progress as plain lines, one per status and per change of a row's state (not per byte update), so
 * logs stay short: {@code layer-sha256:…: downloading 0 B/3.2 MiB}, {@code …: complete}.
 */
final class PlainLines extends ProgressView {
  PlainLines(PrintStream out) {
    super(out);
  }

  @Override
  protected void changed(ProgressEvent event) {
    if (event.name().isEmpty()) {
      out.println(event.event());
      return;
    }
    // The board already holds this event; print when its state is new for the row.
    String key = event.name() + "\u0000" + event.event();
    if (!printed.add(key)) {
      return;
    }
    StringBuilder line = new StringBuilder(event.name()).append(": ").append(event.event());
    if (event.total() > 0) {
      line.append(' ')
          .append(ByteSizes.format(event.progress()))
          .append('/')
          .append(ByteSizes.format(event.total()));
    }
    out.println(line);
  }

  private final java.util.Set<String> printed =
      java.util.Collections.synchronizedSet(new java.util.HashSet<>());
}
