package dev.transferd.plugin.daemon;

import dev.transferd.plugin.transfer.TransferObserver;
import dev.transferd.plugin.transfer.TransferReport;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.UnaryHandler;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per Transfer call when it ends, {@code transfer pull OCIRegistry -> ImageStore
 * namespace=default outcome=OK bytes=232740 duration=1.204s} (plus {@code error="…"} after a
 * failure; the trace id comes from the MDC, see {@link TraceContextInterceptor}); at debug, every
 * other unary call too. Request contents are not logged, so credentials and header values never
 * reach the log.
 */
final class TransferLog implements ServerInterceptor, TransferObserver {
  private static final Logger log = LoggerFactory.getLogger("dev.transferd.transfer");
  private static final Logger calls = LoggerFactory.getLogger("dev.transferd.calls");

  /** A Transfer handler running now, on the thread in the key of {@link #running}. */
  private record InFlight(
      TransferRequest request, String namespace, long startNanos, AtomicBoolean logged) {}

  private final Map<Thread, InFlight> running = new ConcurrentHashMap<>();

  @Override
  public void transferEnded(TransferReport r) {
    InFlight mine = running.get(Thread.currentThread());
    if (mine != null && !mine.logged().compareAndSet(false, true)) {
      return; // logged at shutdown already
    }
    log(r);
  }

  private static void log(TransferReport r) {
    Status outcome = r.outcome();
    String line =
        String.format(
            Locale.ROOT,
            "transfer %s %s -> %s namespace=%s outcome=%s bytes=%d duration=%.3fs%s",
            r.operation(),
            r.sourceType(),
            r.destinationType(),
            r.namespace(),
            outcome.code(),
            r.bytes(),
            r.duration().toNanos() / 1e9,
            outcome.isOk() ? "" : " error=\"" + outcome.message() + "\"");
    if (outcome.isOk()) {
      log.info(line);
    } else {
      log.warn(line);
    }
  }

  /**
   * At shutdown, after the server has failed the calls still running: waits up to {@code limit} for
   * their handlers to end (and log their own lines), then logs a line with {@code why} for each
   * that has not, so that no transfer goes unrecorded when the process exits. The byte count of
   * those is not known here and is logged as 0.
   */
  void awaitEnded(Duration limit, Status why) {
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      while (!running.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (InFlight f : running.values()) {
      if (f.logged().compareAndSet(false, true)) {
        String from = TransferReport.shortType(f.request().getSource().getTypeUrl());
        String to = TransferReport.shortType(f.request().getDestination().getTypeUrl());
        log(
            new TransferReport(
                TransferReport.operation(from, to),
                from,
                to,
                f.namespace(),
                why,
                0,
                Duration.ofNanos(System.nanoTime() - f.startNanos())));
      }
    }
  }

  @Override
  public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    if (request instanceof TransferRequest transfer) {
      Thread self = Thread.currentThread();
      running.put(
          self,
          new InFlight(
              transfer,
              StreamingProtocol.namespace(context),
              System.nanoTime(),
              new AtomicBoolean()));
      try {
        return next.handle(context, request);
      } finally {
        running.remove(self);
      }
    }
    if (!calls.isDebugEnabled()) {
      return next.handle(context, request);
    }
    long start = System.nanoTime();
    Status outcome = Status.OK;
    try {
      return next.handle(context, request);
    } catch (Exception e) {
      outcome = Status.fromThrowable(e);
      throw e;
    } finally {
      calls.debug(
          String.format(
              Locale.ROOT,
              "%s outcome=%s duration=%.3fs",
              context.method().fullMethod(),
              outcome.code(),
              (System.nanoTime() - start) / 1e9));
    }
  }
}
