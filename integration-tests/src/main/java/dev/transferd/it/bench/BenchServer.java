package dev.transferd.it.bench;

import com.google.protobuf.BytesValue;
import com.google.protobuf.UInt32Value;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.TtrpcServer;
import java.nio.file.Path;

/**
 * The Java ttrpc server of the benchmark, in its own process: {@code ttrpc.interop.v1.Interop/Echo}
 * (the same unary BytesValue echo the Go peer serves) and {@code ttrpc.bench.v1.Bench/Download}
 * (server-streaming: sends as many 1 MiB BytesValue messages as the request asks for).
 *
 * <p>Usage: {@code BenchServer SOCKET [--direct]}. With {@code --direct}, Echo is registered with
 * {@code unaryDirect} (it never blocks), so it runs on the I/O thread instead of a virtual thread
 * of its own. Prints {@code READY} once listening; exits when stdin closes.
 */
public final class BenchServer {
  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    boolean direct = args.length == 2 && args[1].equals("--direct");
    if (args.length != 1 && !direct) {
      System.err.println("usage: BenchServer SOCKET [--direct]");
      System.exit(2);
    }
    ServiceDefinition.Builder interop = ServiceDefinition.builder(BenchSupport.INTEROP_SERVICE);
    if (direct) {
      interop.unaryDirect(BenchSupport.ECHO, (ctx, req) -> req);
    } else {
      interop.unary(BenchSupport.ECHO, (ctx, req) -> req);
    }
    BytesValue mib = BenchSupport.bytesValue(BenchSupport.MIB);
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(interop.build())
            .addService(
                ServiceDefinition.builder(BenchSupport.BENCH_SERVICE)
                    .<UInt32Value, BytesValue>stream(
                        BenchSupport.DOWNLOAD,
                        (ctx, stream) -> {
                          int n = stream.receive().getValue();
                          for (int i = 0; i < n; i++) {
                            stream.send(mib);
                          }
                          return null;
                        })
                    .build())
            .build()
            .start(Path.of(args[0]));
    BenchSupport.exitWhenStdinCloses();
    System.out.println("READY");
    System.out.flush();
    Thread.currentThread().join(); // until stdin closes
    server.close();
  }
}
