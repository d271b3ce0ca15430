package dev.transferd.it.bench;

import dev.transferd.it.bench.BenchSupport.Phases;
import dev.transferd.it.bench.BenchSupport.Step;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * The floor: what plain blocking {@code java.nio} unix-socket I/O costs, with ttrpc's framing (a
 * 10-byte header, then the payload) and nothing else. Server and client run in separate processes.
 *
 * <pre>
 * RawPingPong server SOCKET
 * RawPingPong STEP...   or   RawPingPong -   (steps from stdin, one per line)
 *   STEP = NAME,rtt,SOCKET,PAYLOAD,1,WARMUP_S,SECONDS
 *        | NAME,stream,SOCKET,MIB_PER_CALL,1,WARMUP_S,SECONDS
 * </pre>
 *
 * <p>(Steps as in {@link BenchClient}; each on a new connection.)
 *
 * <p>Wire: the client sends a header {@code length, id, type, flags} (big-endian, as ttrpc). Type 1
 * carries {@code length} payload bytes, which the server echoes as one write of header and payload.
 * Type 2 has no payload and asks for {@code id} frames of 1 MiB, written back to back (one write of
 * header and payload each). Each side uses one direct buffer and one thread: a round trip is one
 * write and (for small payloads) one read on each side.
 */
public final class RawPingPong {
  private static final int HEADER = 10;
  private static final byte ECHO = 1;
  private static final byte STREAM = 2;

  private RawPingPong() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: RawPingPong server SOCKET | RawPingPong STEP...");
      System.exit(2);
    }
    if (args[0].equals("server")) {
      server(Path.of(args[1]));
      return;
    }
    BenchSupport.runSteps(
        args,
        step -> {
          switch (step.kind()) {
            case "rtt" -> rtt(step);
            case "stream" -> stream(step);
            default -> throw new IllegalArgumentException("unknown step kind " + step.kind());
          }
        });
  }

  // ---- server ----

  private static void server(Path socket) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
    BenchSupport.exitWhenStdinCloses();
    System.out.println("READY");
    System.out.flush();
    while (true) {
      SocketChannel ch = listener.accept();
      Thread.ofPlatform().name("raw-conn").start(() -> serve(ch));
    }
  }

  private static void serve(SocketChannel ch) {
    ByteBuffer buf = ByteBuffer.allocateDirect(HEADER + 4 * BenchSupport.MIB);
    ByteBuffer mib = ByteBuffer.allocateDirect(HEADER + BenchSupport.MIB);
    mib.putInt(BenchSupport.MIB).putInt(0).put((byte) 3).put((byte) 0);
    mib.put(BenchSupport.pattern(BenchSupport.MIB)).flip();
    try (ch) {
      while (true) {
        buf.clear();
        readAtLeast(ch, buf, HEADER);
        int length = buf.getInt(0);
        int id = buf.getInt(4);
        byte type = buf.get(8);
        if (type == ECHO) {
          readAtLeast(ch, buf, HEADER + length);
          buf.flip();
          writeFully(ch, buf);
        } else if (type == STREAM) {
          for (int i = 0; i < id; i++) {
            mib.rewind();
            writeFully(ch, mib);
          }
        } else {
          throw new IOException("unknown type " + type);
        }
      }
    } catch (EOFException e) {
      // Client done.
    } catch (IOException e) {
      System.err.println("raw server: " + e);
    }
  }

  // ---- clients ----

  private static void rtt(Step step) throws IOException {
    int payload = step.arg();
    Phases phases = step.phases();
    Histogram h = BenchSupport.histogram();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(step.socket()))) {
      ByteBuffer out = ByteBuffer.allocateDirect(HEADER + payload);
      out.putInt(payload).putInt(1).put(ECHO).put((byte) 0).put(BenchSupport.pattern(payload));
      out.flip();
      ByteBuffer in = ByteBuffer.allocateDirect(HEADER + payload);
      while (true) {
        long t0 = System.nanoTime();
        if (t0 - phases.end() >= 0) {
          break;
        }
        out.rewind();
        writeFully(ch, out);
        in.clear();
        readAtLeast(ch, in, HEADER + payload);
        long t1 = System.nanoTime();
        if (in.getInt(0) != payload) {
          throw new IOException("bad echo header");
        }
        if (t0 - phases.measureFrom() >= 0 && t1 - phases.end() <= 0) {
          h.recordValue(t1 - t0);
        }
      }
    }
    BenchSupport.printResult(step.name(), h.getTotalCount(), phases.seconds(), h, 0);
  }

  private static void stream(Step step) throws IOException {
    int mibPerCall = step.arg();
    Phases phases = step.phases();
    Histogram h = BenchSupport.histogram();
    long bytes = 0;
    long calls = 0;
    long measuredFrom = 0;
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(step.socket()))) {
      ByteBuffer request = ByteBuffer.allocateDirect(HEADER);
      request.putInt(0).putInt(mibPerCall).put(STREAM).put((byte) 0).flip();
      ByteBuffer in = ByteBuffer.allocateDirect(BenchSupport.MIB);
      long perCall = (long) mibPerCall * (HEADER + BenchSupport.MIB);
      while (true) {
        long t0 = System.nanoTime();
        if (t0 - phases.end() >= 0) {
          break;
        }
        boolean measured = t0 - phases.measureFrom() >= 0;
        if (measured && measuredFrom == 0) {
          measuredFrom = t0;
        }
        request.rewind();
        writeFully(ch, request);
        long left = perCall;
        while (left > 0) {
          in.clear();
          if (left < in.capacity()) {
            in.limit((int) left);
          }
          int n = ch.read(in);
          if (n < 0) {
            throw new EOFException();
          }
          left -= n;
        }
        if (measured) {
          bytes += (long) mibPerCall * BenchSupport.MIB;
          calls++;
          h.recordValue(System.nanoTime() - t0);
        }
      }
    }
    double seconds = measuredFrom == 0 ? 0 : (System.nanoTime() - measuredFrom) / 1e9;
    BenchSupport.printResult(step.name(), calls, seconds, h, bytes);
  }

  // ---- I/O ----

  /** Reads until {@code buf} holds at least {@code n} bytes from its start. */
  private static void readAtLeast(SocketChannel ch, ByteBuffer buf, int n) throws IOException {
    if (buf.capacity() < n) {
      throw new IOException("frame of " + n + " bytes exceeds the buffer");
    }
    while (buf.position() < n) {
      if (ch.read(buf) < 0) {
        throw new EOFException();
      }
    }
  }

  private static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
