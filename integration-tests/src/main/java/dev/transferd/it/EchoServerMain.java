package dev.transferd.it;

import com.google.protobuf.BytesValue;
import com.google.protobuf.Empty;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Until the daemon exists, {@code make run} starts this: a ttrpc server on a unix socket with a
 * health check ({@code ttrpc.health.v1.Health/Check}) and an echo ({@code
 * ttrpc.echo.v1.Echo/Echo}).
 */
public final class EchoServerMain {
  public static final MethodDescriptor<Empty, Empty> CHECK =
      MethodDescriptor.unary("ttrpc.health.v1.Health", "Check", Empty.parser(), Empty.parser());
  public static final MethodDescriptor<BytesValue, BytesValue> ECHO =
      MethodDescriptor.unary(
          "ttrpc.echo.v1.Echo", "Echo", BytesValue.parser(), BytesValue.parser());

  private EchoServerMain() {}

  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args.length > 0 ? args[0] : "/tmp/transferd/echo.sock");
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(
                ServiceDefinition.builder("ttrpc.health.v1.Health")
                    .unary(CHECK, (ctx, req) -> Empty.getDefaultInstance())
                    .build())
            .addService(
                ServiceDefinition.builder("ttrpc.echo.v1.Echo")
                    .unary(ECHO, (ctx, req) -> req)
                    .build())
            .build()
            .start(socket);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown(Duration.ofSeconds(5));
                  stopped.countDown();
                }));
    System.out.println(
        "transferd (ttrpc echo/health server; the Transfer service is not built yet)");
    System.out.println("listening on " + socket + " - Ctrl-C to stop");
    stopped.await();
  }
}
