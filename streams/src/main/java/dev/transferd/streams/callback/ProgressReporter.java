package dev.transferd.streams.callback;

import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.streams.AnyStream;
import dev.transferd.ttrpc.TtrpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of a progress stream (docs/protocol/transfer.md §6.1): each event goes out as
 * {@code Any{containerd.types.transfer.Progress}}, in call order, on the caller's thread. Send
 * failures are logged once and otherwise ignored, as containerd does: a client that stops listening
 * does not fail the transfer. {@link #close} ends the stream cleanly, which is how the client
 * learns that no more events follow. Thread-safe.
 */
public final class ProgressReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);
  private static final ProgressReporter NONE = new ProgressReporter(null);

  private final AnyStream stream;
  private boolean broken; // guarded by this

  private ProgressReporter(AnyStream stream) {
    this.stream = stream;
  }

  /** A reporter that drops every event, for transfers without a progress stream. */
  public static ProgressReporter none() {
    return NONE;
  }

  /** A reporter sending on {@code stream}. */
  public static ProgressReporter on(AnyStream stream) {
    return new ProgressReporter(stream);
  }

  public synchronized void report(Progress event) {
    if (stream == null || broken) {
      return;
    }
    try {
      stream.send(AnyCodec.pack(event));
    } catch (TtrpcException e) {
      broken = true;
      log.debug("progress stream {} stopped taking events: {}", stream.id(), e.toString());
    }
  }

  /** Shorthand for an event without blob details, e.g. {@code report("Completed import")}. */
  public void report(String event) {
    report(Progress.newBuilder().setEvent(event).build());
  }

  /** Ends the progress stream cleanly. Idempotent. */
  @Override
  public void close() {
    if (stream != null) {
      stream.close();
    }
  }
}
