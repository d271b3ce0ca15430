package dev.transferd.plugin.transfer;

import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.callback.ProgressReporter;
import dev.transferd.ttrpc.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Transfer call on the server: its namespace, lease and settings, and every side stream it took
 * from the {@link StreamManager}, with how each is to be ended. The service ends them all before
 * the call returns: {@link #complete} after success (an export stream is flushed and closed, so the
 * client has all bytes and the end before it has the response), {@link #abort} after a failure
 * (byte and credential streams end with the error status; the progress stream ends cleanly, as in
 * containerd). Used by the call's handler thread only, except {@link #countBytes}, which the
 * operation's worker threads (concurrent downloads and uploads) call too.
 */
final class TransferContext {
  /** A side stream the call took, and how to end it. */
  interface SideStream {
    /** Ends the stream after a successful transfer. */
    void complete() throws IOException;

    /** Ends the stream after a failed transfer; never throws. */
    void abort(Status status);
  }

  /**
   * The metadata key of the caller's lease (docs/protocol/transfer.md §1.3), as containerd's Go
   * clients send it.
   */
  static final String LEASE_KEY = "containerd-lease";

  private final String namespace;
  private final String lease;
  private final StreamManager manager;
  private final TransferSettings settings;
  private final List<SideStream> sideStreams = new ArrayList<>();
  private ProgressReporter progress = ProgressReporter.none();
  // A LongAdder: blob tasks add from several threads at once, per read, without contending.
  private final LongAdder bytesMoved = new LongAdder();

  TransferContext(
      String namespace, String lease, StreamManager manager, TransferSettings settings) {
    this.namespace = namespace;
    this.lease = lease;
    this.manager = manager;
    this.settings = settings;
  }

  String namespace() {
    return namespace;
  }

  /** The lease the call carried ({@value #LEASE_KEY}), or null. */
  String lease() {
    return lease;
  }

  TransferSettings settings() {
    return settings;
  }

  ProgressReporter progress() {
    return progress;
  }

  /** Adds {@code n} bytes moved (fetched, uploaded, received or sent); any thread. */
  void countBytes(long n) {
    bytesMoved.add(n);
  }

  /** The bytes moved so far; exact once the operation and its side streams have ended. */
  long bytesMoved() {
    return bytesMoved.sum();
  }

  /**
   * The stream {@code id} of this call's namespace (or registered without one).
   *
   * @throws dev.transferd.ttrpc.TtrpcException NOT_FOUND if there is none
   */
  AnyStream stream(String id) {
    return manager.get(namespace, id);
  }

  /** Takes the progress stream {@code id}; events go there until the call ends. */
  void useProgress(String id) {
    ProgressReporter reporter = ProgressReporter.on(stream(id));
    progress = reporter;
    attach(
        new SideStream() {
          @Override
          public void complete() {
            reporter.close();
          }

          @Override
          public void abort(Status status) {
            reporter.close();
          }
        });
  }

  /** Registers a side stream to be ended with the call. */
  void attach(SideStream stream) {
    sideStreams.add(stream);
  }

  /** Ends every side stream after success; if one fails to end, the rest are aborted. */
  void complete() throws IOException {
    for (int i = 0; i < sideStreams.size(); i++) {
      try {
        sideStreams.get(i).complete();
      } catch (IOException | RuntimeException e) {
        Status status = TransferErrors.statusOf(e);
        for (SideStream rest : sideStreams.subList(i + 1, sideStreams.size())) {
          rest.abort(status);
        }
        throw e;
      }
    }
  }

  /** Ends every side stream after a failure. */
  void abort(Status status) {
    sideStreams.forEach(s -> s.abort(status));
  }
}
