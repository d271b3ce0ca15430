package dev.transferd.plugin.transfer;

import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.streams.callback.ProgressReporter;
import java.util.List;

/**
 * Per-blob progress events with containerd's strings (docs/protocol/transfer.md §6.2): {@code
 * waiting}, the active state ({@code downloading} or {@code uploading}, at most every 300 ms, the
 * tracker's period, and only when the count grew), {@code complete}, {@code already exists}. Name =
 * ref key, parents = the parents' ref keys (or the image name for the root). One per blob and
 * thread. Bytes moved are also counted into the transfer's total through {@link #moved}.
 */
final class BlobProgress {
  private static final long PERIOD_NANOS = 300_000_000L;

  private final ProgressReporter reporter;
  private final TransferContext context;
  private final String activeState;
  private final Descriptor desc;
  private final String name;
  private final List<String> parents;
  private long lastReport = System.nanoTime();
  private long lastBytes = -1;

  BlobProgress(TransferContext context, String activeState, Descriptor desc, List<String> parents) {
    this.reporter = context.progress();
    this.context = context;
    this.activeState = activeState;
    this.desc = desc;
    this.name = ImageGraph.refKey(desc);
    this.parents = List.copyOf(parents);
  }

  void waiting() {
    send("waiting", 0, parents);
  }

  /** Bytes done so far; reported when the period has passed and the count grew. */
  void active(long bytes, boolean force) {
    long now = System.nanoTime();
    if (bytes != lastBytes && (force || now - lastReport >= PERIOD_NANOS)) {
      lastReport = now;
      lastBytes = bytes;
      send(activeState, bytes, parents);
    }
  }

  /** {@code n} more bytes of this blob went over the wire (counted for the transfer's report). */
  void moved(long n) {
    context.countBytes(n);
  }

  void complete() {
    send("complete", desc.getSize(), parents);
  }

  void alreadyExists() {
    send("already exists", desc.getSize(), List.of());
  }

  private void send(String event, long progress, List<String> parentKeys) {
    reporter.report(
        Progress.newBuilder()
            .setEvent(event)
            .setName(name)
            .addAllParents(parentKeys)
            .setProgress(progress)
            .setTotal(desc.getSize())
            .setDesc(desc)
            .build());
  }

  static void imageEvent(ProgressReporter reporter, String event, String name, Descriptor desc) {
    Progress.Builder b = Progress.newBuilder().setEvent(event).setName(name);
    if (desc != null) {
      b.setDesc(desc);
    }
    reporter.report(b.build());
  }
}
