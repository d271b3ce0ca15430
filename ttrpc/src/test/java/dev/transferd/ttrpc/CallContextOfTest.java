package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link CallContext#of}, the seam through which another transport hands its calls to handlers
 * written for ttrpc: the method, metadata, deadline and cancellation it is given are what a handler
 * sees.
 */
class CallContextOfTest {
  private static final MethodDescriptor<Empty, Empty> METHOD =
      MethodDescriptor.unary("test.Svc", "Call", Empty.parser(), Empty.parser());

  @Test
  void aHandlerSeesTheTransportsMetadataDeadlineAndCancellation() {
    AtomicReference<Status> cancelled = new AtomicReference<>();
    CallContext ctx =
        CallContext.of(
            METHOD,
            Metadata.of("containerd-namespace-ttrpc", "default"),
            Duration.ofSeconds(30),
            PeerCredentials.UNKNOWN,
            cancelled::get);
    assertEquals("/test.Svc/Call", ctx.method().fullMethod());
    assertEquals("default", ctx.metadata().get("containerd-namespace-ttrpc").orElseThrow());
    Duration left = ctx.timeRemaining().orElseThrow();
    assertTrue(left.compareTo(Duration.ZERO) > 0 && left.compareTo(Duration.ofSeconds(30)) <= 0);
    assertFalse(ctx.isCancelled());

    cancelled.set(Status.of(StatusCode.CANCELLED, "client went away"));
    assertTrue(ctx.isCancelled());
    TtrpcException e = assertThrows(TtrpcException.class, ctx::checkCancelled);
    assertEquals("client went away", e.status().message());
  }

  @Test
  void withoutATimeoutTheCallHasNoDeadline() {
    CallContext ctx =
        CallContext.of(METHOD, Metadata.empty(), null, PeerCredentials.UNKNOWN, () -> null);
    assertTrue(ctx.timeRemaining().isEmpty());
  }
}
