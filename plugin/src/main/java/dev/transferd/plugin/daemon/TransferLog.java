package dev.transferd.plugin.daemon;

import dev.transferd.plugin.transfer.TransferObserver;
import dev.transferd.plugin.transfer.TransferReport;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.UnaryHandler;
import java.util.Locale;
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

  @Override
  public void transferEnded(TransferReport r) {
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

  @Override
  public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    if (request instanceof TransferRequest || !calls.isDebugEnabled()) {
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
