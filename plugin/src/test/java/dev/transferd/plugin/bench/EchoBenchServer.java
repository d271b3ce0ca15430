package dev.transferd.plugin.bench;

import dev.transferd.plugin.transfer.TransferService;
import dev.transferd.plugin.transfer.TransferSettings;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingService;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The benchmark's server process: Streaming and Transfer (echo) on a unix socket, with the byte
 * stream sizes it is given. Prints {@code READY} once listening; exits when its stdin closes, so it
 * never outlives the benchmark.
 *
 * <p>Usage: {@code EchoBenchServer SOCKET WINDOW MAX_CHUNK}
 */
public final class EchoBenchServer {
  private EchoBenchServer() {}

  public static void main(String[] args) throws IOException {
    Path socket = Path.of(args[0]);
    ByteStreamSettings settings =
        new ByteStreamSettings(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    StreamManager streams = new StreamManager(Math.max(8L << 20, 4L * settings.window()));
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(StreamingService.definition(streams))
            .addService(
                TransferService.definition(
                    streams, TransferSettings.DEFAULTS.withByteStreams(settings)))
            .build()
            .start(socket);
    System.out.println("READY");
    System.out.flush();
    InputStream in = System.in;
    byte[] sink = new byte[64];
    while (in.read(sink) >= 0) {
      // Discard until the parent closes our stdin (or dies).
    }
    server.close();
    Runtime.getRuntime().halt(0);
  }
}
