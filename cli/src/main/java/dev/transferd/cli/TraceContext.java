package dev.transferd.cli;

import com.google.protobuf.MessageLite;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientInterceptor;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.MethodDescriptor;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The W3C trace context one transferctl run sends with every call and stream, in ttrpc metadata
 * under {@code traceparent} (and {@code tracestate}), as containerd's otelttrpc does. The run is
 * one span: its id is new; its trace is {@code TRACEPARENT}'s when that is set (so a script's trace
 * continues into the daemon's log), else a new one when {@code --trace} asks.
 */
record TraceContext(String traceId, String spanId, String flags, String state) {
  static final String PARENT_ENV = "TRACEPARENT";
  static final String STATE_ENV = "TRACESTATE";

  private static final Pattern TRACEPARENT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  /** Seeded on first use only: most runs send no trace context. */
  private static final class Random {
    static final SecureRandom SOURCE = new SecureRandom();
  }

  /**
   * The context for this run: from {@code TRACEPARENT}, else new if {@code generate}, else none. A
   * malformed {@code TRACEPARENT} is ignored, as the W3C specification asks, with a warning on
   * {@code err}.
   */
  static Optional<TraceContext> of(
      java.util.Map<String, String> env, boolean generate, java.io.PrintStream err) {
    String parent = env.get(PARENT_ENV);
    String state = env.getOrDefault(STATE_ENV, "");
    if (parent != null && !parent.isBlank()) {
      var m = TRACEPARENT.matcher(parent.trim());
      if (m.matches()
          && !m.group(1).equals("ff")
          && !(m.group(1).equals("00") && m.group(5) != null)
          && !m.group(2).matches("0+")) {
        return Optional.of(new TraceContext(m.group(2), newId(8), m.group(4), state));
      }
      err.println(
          "transferctl: ignoring "
              + PARENT_ENV
              + " \""
              + parent
              + "\": not a W3C traceparent such as"
              + " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
    if (generate) {
      return Optional.of(new TraceContext(newId(16), newId(8), "01", ""));
    }
    return Optional.empty();
  }

  private static String newId(int bytes) {
    byte[] id = new byte[bytes];
    do {
      Random.SOURCE.nextBytes(id);
    } while (HexFormat.of().formatHex(id).matches("0+"));
    return HexFormat.of().formatHex(id);
  }

  /** {@code 00-<trace id>-<span id>-<flags>}. */
  String traceparent() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }

  /** Adds the metadata to every unary call and stream of a client. */
  ClientInterceptor interceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q extends MessageLite, R extends MessageLite> R interceptUnary(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker next) {
        return next.invoke(method, request, withTrace(options));
      }

      @Override
      public <Q extends MessageLite, R extends MessageLite> ClientStream<Q, R> interceptStream(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, StreamOpener next) {
        return next.open(method, request, withTrace(options));
      }
    };
  }

  private CallOptions withTrace(CallOptions options) {
    CallOptions traced = options.withMetadata("traceparent", traceparent());
    return state.isEmpty() ? traced : traced.withMetadata("tracestate", state);
  }
}
