package dev.transferd.plugin.daemon;

import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.UnaryHandler;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per Transfer call when it ends: the operation (named from its source and
 * destination types), the namespace, the outcome and the duration; at debug, every other call too.
 * Request contents are not logged, so credentials and header values never reach the log.
 */
final class TransferLog implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger("dev.transferd.transfer");
  private static final Logger calls = LoggerFactory.getLogger("dev.transferd.calls");

  @Override
  public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    long start = System.nanoTime();
    Status outcome = Status.OK;
    try {
      return next.handle(context, request);
    } catch (Exception e) {
      outcome = Status.fromThrowable(e);
      throw e;
    } finally {
      double seconds = (System.nanoTime() - start) / 1e9;
      if (request instanceof TransferRequest transfer) {
        String line =
            String.format(
                Locale.ROOT,
                "transfer %s %s -> %s namespace=%s outcome=%s duration=%.3fs%s",
                operation(transfer),
                shortType(transfer.getSource().getTypeUrl()),
                shortType(transfer.getDestination().getTypeUrl()),
                StreamingProtocol.namespace(context),
                outcome.code(),
                seconds,
                outcome.isOk() ? "" : " error=\"" + outcome.message() + "\"");
        if (outcome.isOk()) {
          log.info(line);
        } else {
          log.warn(line);
        }
      } else if (calls.isDebugEnabled()) {
        calls.debug(
            String.format(
                Locale.ROOT,
                "%s outcome=%s duration=%.3fs",
                context.method().fullMethod(),
                outcome.code(),
                seconds));
      }
    }
  }

  /** pull, push, import, export, tag or echo, as containerd's dispatch table pairs them. */
  static String operation(TransferRequest request) {
    String from = shortType(request.getSource().getTypeUrl());
    String to = shortType(request.getDestination().getTypeUrl());
    return switch (from + ">" + to) {
      case "OCIRegistry>ImageStore" -> "pull";
      case "ImageStore>OCIRegistry" -> "push";
      case "ImageImportStream>ImageStore" -> "import";
      case "ImageStore>ImageExportStream" -> "export";
      case "ImageStore>ImageStore" -> "tag";
      case "ImageImportStream>ImageExportStream" -> "echo";
      default -> "unknown";
    };
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
