package dev.transferd.plugin.daemon;

import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.UnaryHandler;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * Puts the caller's trace context into the logging MDC for the whole call, unary and streaming
 * alike (containerd's Streaming calls carry it too): {@code trace_id} and {@code span_id} (the
 * caller's span) from a valid {@code traceparent} metadata value, so the transfer log line and any
 * debug line of the call name the trace. Without one, or with a malformed one, nothing is set and
 * the call runs as usual. Must be the outermost interceptor so every other one logs inside it.
 */
final class TraceContextInterceptor implements ServerInterceptor {
  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";

  @Override
  public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
      throws Exception {
    Optional<TraceParent> trace = traceOf(context);
    if (trace.isEmpty()) {
      return next.handle(context, request);
    }
    try (var scope = enter(trace.get())) {
      return next.handle(context, request);
    }
  }

  @Override
  public <Q, R> R interceptStream(
      CallContext context, ServerStream<Q, R> stream, StreamHandler<Q, R> next) throws Exception {
    Optional<TraceParent> trace = traceOf(context);
    if (trace.isEmpty()) {
      return next.handle(context, stream);
    }
    try (var scope = enter(trace.get())) {
      return next.handle(context, stream);
    }
  }

  private static Optional<TraceParent> traceOf(CallContext context) {
    return context.metadata().get(TraceParent.KEY).flatMap(TraceParent::parse);
  }

  /** Sets the MDC keys; closing removes them (each call has its own virtual thread). */
  private static AutoCloseable enter(TraceParent trace) {
    MDC.put(TRACE_ID, trace.traceId());
    MDC.put(SPAN_ID, trace.parentId());
    return () -> {
      MDC.remove(TRACE_ID);
      MDC.remove(SPAN_ID);
    };
  }
}
