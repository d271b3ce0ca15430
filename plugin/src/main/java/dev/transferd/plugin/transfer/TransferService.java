package dev.transferd.plugin.transfer;

import com.google.protobuf.Empty;
import dev.transferd.plugin.store.Store;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.Status;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's {@code Transfer/Transfer} (docs/protocol/transfer.md §2.2): take the progress
 * stream, decode source then destination (taking the streams they name), run the operation the
 * {@link OperationTable} has for the pair, and end every side stream before responding. Unknown
 * stream ids are NOT_FOUND before any work; pairs without an operation are UNIMPLEMENTED.
 */
public final class TransferService {
  private static final Logger log = LoggerFactory.getLogger(TransferService.class);

  private final StreamManager streams;
  private final TransferSettings settings;
  private final OperationTable operations;
  private final TransferObserver observer;

  private TransferService(
      StreamManager streams,
      TransferSettings settings,
      OperationTable operations,
      TransferObserver observer) {
    this.streams = Objects.requireNonNull(streams, "streams");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.operations = operations;
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  /**
   * The service definition, taking side streams from {@code streams} and serving pull, push,
   * import, export and tag over {@code store}.
   */
  public static ServiceDefinition definition(
      StreamManager streams, TransferSettings settings, Store store) {
    return definition(streams, settings, store, TransferObserver.NONE);
  }

  /** As {@link #definition(StreamManager, TransferSettings, Store)}, telling {@code observer}. */
  public static ServiceDefinition definition(
      StreamManager streams, TransferSettings settings, Store store, TransferObserver observer) {
    return definition(streams, settings, OperationTable.standard(store, settings), observer);
  }

  /** The service without a store: echo and registry to registry (byte-stream tests, benchmarks). */
  public static ServiceDefinition definition(StreamManager streams, TransferSettings settings) {
    return definition(streams, settings, OperationTable.standard(settings), TransferObserver.NONE);
  }

  /** The service definition with another table of operations, for tests. */
  static ServiceDefinition definition(
      StreamManager streams, TransferSettings settings, OperationTable operations) {
    return definition(streams, settings, operations, TransferObserver.NONE);
  }

  static ServiceDefinition definition(
      StreamManager streams,
      TransferSettings settings,
      OperationTable operations,
      TransferObserver observer) {
    TransferService service = new TransferService(streams, settings, operations, observer);
    return ServiceDefinition.builder(StreamingProtocol.TRANSFER_SERVICE)
        .unary(StreamingProtocol.TRANSFER, service::transfer)
        .build();
  }

  private Empty transfer(CallContext call, TransferRequest request) throws Exception {
    long start = System.nanoTime();
    TransferContext context =
        new TransferContext(
            StreamingProtocol.namespace(call),
            call.metadata().get(TransferContext.LEASE_KEY).filter(s -> !s.isEmpty()).orElse(null),
            streams,
            settings);
    Status outcome = Status.OK;
    try {
      String progress = request.getOptions().getProgressStream();
      if (!progress.isEmpty()) {
        context.useProgress(progress);
      }
      Endpoint source = EndpointDecoder.decode(request.getSource(), context);
      Endpoint destination = EndpointDecoder.decode(request.getDestination(), context);
      operations.run(context, source, destination);
      context.complete();
      return Empty.getDefaultInstance();
    } catch (Exception e) {
      // A call the server ended (deadline, shutdown, client gone) failed for that reason, whatever
      // the interrupted operation threw on its way out: the client got that status.
      Status status = call.cancellation().orElseGet(() -> TransferErrors.statusOf(e));
      log.debug("transfer failed: {}", status);
      context.abort(status);
      outcome = status;
      throw status.asException(e);
    } finally {
      report(request, context, outcome, System.nanoTime() - start);
    }
  }

  private void report(
      TransferRequest request, TransferContext context, Status outcome, long nanos) {
    String from = TransferReport.shortType(request.getSource().getTypeUrl());
    String to = TransferReport.shortType(request.getDestination().getTypeUrl());
    try {
      observer.transferEnded(
          new TransferReport(
              TransferReport.operation(from, to),
              from,
              to,
              context.namespace(),
              outcome,
              context.bytesMoved(),
              Duration.ofNanos(nanos)));
    } catch (RuntimeException e) {
      log.warn("transfer observer failed: {}", e.toString());
    }
  }
}
