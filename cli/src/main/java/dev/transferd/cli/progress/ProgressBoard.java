package dev.transferd.cli.progress;

import dev.transferd.streams.client.ProgressEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a transfer's progress events have said so far (docs/protocol/transfer.md §6.2): the latest
 * status line (events without a name), and one row per blob or image name in order of first
 * appearance, with its state and byte counts. Thread-safe: events arrive on the transfer's progress
 * thread while a renderer reads snapshots.
 */
public final class ProgressBoard {
  /** One blob or image. {@code depth} is 0 for images, one more than the parent for blobs. */
  public record Row(String name, String state, long progress, long total, int depth) {
    /** Whether bytes are moving for this row now, so a bar means something. */
    public boolean active() {
      return state.equals("downloading") || state.equals("uploading") || state.equals("extracting");
    }

    public boolean done() {
      return state.equals("complete")
          || state.equals("already exists")
          || state.equals("extracted")
          || state.equals("saved")
          || state.equals("pushed content");
    }
  }

  private final Map<String, Row> rows = new LinkedHashMap<>();
  private String status = "";
  private long completedBytes;
  private int completedBlobs;
  private int existingBlobs;

  /** Applies one event. */
  public synchronized void apply(ProgressEvent event) {
    if (event.name().isEmpty()) {
      status = event.event();
      return;
    }
    Row before = rows.get(event.name());
    int depth = before != null ? before.depth() : depthOf(event.parents());
    Row row = new Row(event.name(), event.event(), event.progress(), event.total(), depth);
    if (before == null || !before.state().equals(row.state())) {
      if (row.state().equals("complete")) {
        completedBlobs++;
        completedBytes += Math.max(row.total(), row.progress());
      } else if (row.state().equals("already exists")) {
        existingBlobs++;
      }
    }
    rows.put(event.name(), row);
  }

  private int depthOf(List<String> parents) {
    int depth = 0;
    for (String parent : parents) {
      Row p = rows.get(parent);
      depth = Math.max(depth, p == null ? 1 : p.depth() + 1);
    }
    return depth;
  }

  public synchronized String status() {
    return status;
  }

  public synchronized List<Row> rows() {
    return new ArrayList<>(rows.values());
  }

  public synchronized Row row(String name) {
    return rows.get(name);
  }

  /** Bytes of blobs that reached {@code complete} (fetched or sent, not already present). */
  public synchronized long completedBytes() {
    return completedBytes;
  }

  public synchronized int completedBlobs() {
    return completedBlobs;
  }

  public synchronized int existingBlobs() {
    return existingBlobs;
  }
}
