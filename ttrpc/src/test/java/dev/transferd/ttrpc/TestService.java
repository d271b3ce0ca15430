package dev.transferd.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service the golden frames of docs/protocol/ttrpc.md §9 were captured against ("pkg.Svc"),
 * plus helpers.
 */
final class TestService {
  static final String NAME = "pkg.Svc";

  static final MethodDescriptor<BytesValue, BytesValue> ECHO = unary("Echo");
  static final MethodDescriptor<BytesValue, BytesValue> FAIL = unary("Fail");
  static final MethodDescriptor<BytesValue, BytesValue> EMPTY = unary("Empty");
  static final MethodDescriptor<BytesValue, BytesValue> PLAIN = unary("Plain");
  static final MethodDescriptor<BytesValue, BytesValue> SLEEP = unary("Sleep");
  static final MethodDescriptor<BytesValue, BytesValue> META = unary("Meta");
  static final MethodDescriptor<BytesValue, BytesValue> DEADLINE = unary("Deadline");
  static final MethodDescriptor<BytesValue, BytesValue> BIG = unary("Big");
  static final MethodDescriptor<BytesValue, BytesValue> DOWN =
      MethodDescriptor.serverStreaming(NAME, "Down", BytesValue.parser(), BytesValue.parser());
  static final MethodDescriptor<BytesValue, BytesValue> STOP =
      MethodDescriptor.serverStreaming(NAME, "Stop", BytesValue.parser(), BytesValue.parser());
  static final MethodDescriptor<BytesValue, BytesValue> COUNT =
      MethodDescriptor.serverStreaming(NAME, "Count", BytesValue.parser(), BytesValue.parser());
  static final MethodDescriptor<BytesValue, BytesValue> UP =
      MethodDescriptor.clientStreaming(NAME, "Up", BytesValue.parser(), BytesValue.parser());
  static final MethodDescriptor<BytesValue, BytesValue> HOLD =
      MethodDescriptor.clientStreaming(NAME, "Hold", BytesValue.parser(), BytesValue.parser());
  static final MethodDescriptor<BytesValue, BytesValue> BIDI =
      MethodDescriptor.bidiStreaming(NAME, "Bidi", BytesValue.parser(), BytesValue.parser());

  /** Handlers that ended because their thread was interrupted (cancelled calls). */
  final AtomicInteger interrupted = new AtomicInteger();

  /** Released to let {@code Hold} handlers return. */
  final CountDownLatch release = new CountDownLatch(1);

  /** Counted down when a handler of Hold or Sleep has started. */
  volatile CountDownLatch started = new CountDownLatch(1);

  private static MethodDescriptor<BytesValue, BytesValue> unary(String method) {
    return MethodDescriptor.unary(NAME, method, BytesValue.parser(), BytesValue.parser());
  }

  static BytesValue bytes(String s) {
    return BytesValue.of(ByteString.copyFromUtf8(s));
  }

  static String text(BytesValue v) {
    return v.getValue().toStringUtf8();
  }

  ServiceDefinition definition() {
    return ServiceDefinition.builder(NAME)
        .unary(ECHO, (ctx, req) -> req)
        .unary(
            FAIL,
            (ctx, req) -> {
              throw new TtrpcException(StatusCode.NOT_FOUND, "nope");
            })
        .unary(EMPTY, (ctx, req) -> BytesValue.getDefaultInstance())
        .unary(
            PLAIN,
            (ctx, req) -> {
              throw new IllegalStateException("plain error");
            })
        .unary(
            SLEEP,
            (ctx, req) -> {
              started.countDown();
              try {
                Thread.sleep(Long.parseLong(text(req)));
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
              }
              return bytes("slept");
            })
        .unary(
            META,
            (ctx, req) -> {
              List<String> lines = new ArrayList<>();
              for (String k : ctx.metadata().keys()) {
                for (String v : ctx.metadata().getAll(k)) {
                  lines.add(k + "=" + v);
                }
              }
              lines.sort(null);
              return bytes(String.join("\n", lines));
            })
        .unary(
            DEADLINE,
            (ctx, req) ->
                bytes(ctx.timeRemaining().map(d -> Long.toString(d.toMillis())).orElse("none")))
        .unary(
            BIG,
            (ctx, req) -> BytesValue.of(ByteString.copyFrom(new byte[Integer.parseInt(text(req))])))
        .stream(
            DOWN,
            (ctx, stream) -> {
              stream.receive();
              stream.send(bytes("a"));
              stream.send(BytesValue.getDefaultInstance());
              return null;
            })
        .stream(
            STOP,
            (ctx, stream) -> {
              stream.send(bytes("a"));
              throw new TtrpcException(StatusCode.ABORTED, "stop");
            })
        .stream(
            COUNT,
            (ctx, stream) -> {
              int n = Integer.parseInt(text(stream.receive()));
              for (int i = 0; i < n; i++) {
                stream.send(bytes(Integer.toString(i)));
              }
              return null;
            })
        .stream(
            UP,
            (ctx, stream) -> {
              StringBuilder all = new StringBuilder();
              BytesValue m;
              while ((m = stream.receive()) != null) {
                all.append(text(m));
              }
              return bytes(all.toString());
            })
        .stream(
            HOLD,
            (ctx, stream) -> {
              started.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
              }
              return bytes("released");
            })
        .stream(
            BIDI,
            (ctx, stream) -> {
              BytesValue m;
              try {
                while ((m = stream.receive()) != null) {
                  stream.send(m);
                }
              } catch (TtrpcException e) {
                if (e.code() == StatusCode.CANCELLED) {
                  interrupted.incrementAndGet();
                }
                throw e;
              }
              return null;
            })
        .build();
  }
}
