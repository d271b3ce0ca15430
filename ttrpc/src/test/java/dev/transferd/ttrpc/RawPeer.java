package dev.transferd.ttrpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven ttrpc peer on a plain JDK unix socket: writes hex frames and reads whole frames, so
 * tests can speak the wire exactly as captured from Go peers.
 */
final class RawPeer implements AutoCloseable {
  static final HexFormat HEX = HexFormat.of();

  /** A frame as read: header fields and the data as hex. */
  record Frame(int length, int streamId, int type, int flags, String dataHex) {
    String headerHex() {
      return String.format("%08x %08x %02x %02x", length, streamId, type, flags);
    }

    @Override
    public String toString() {
      return headerHex() + " | " + dataHex;
    }
  }

  private final SocketChannel channel;
  private final ExecutorService reader = Executors.newSingleThreadExecutor();

  private RawPeer(SocketChannel channel) {
    this.channel = channel;
  }

  static RawPeer connect(Path socket) throws IOException {
    return new RawPeer(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
  }

  /** Accepts one connection on a listening socket. */
  static RawPeer accept(ServerSocketChannel listener) throws IOException {
    return new RawPeer(listener.accept());
  }

  static ServerSocketChannel listen(Path socket) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
    return listener;
  }

  /** Writes bytes given as hex; spaces and '|' are ignored. */
  void send(String hex) throws IOException {
    write(HEX.parseHex(hex.replace(" ", "").replace("|", "")));
  }

  void write(byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  Frame read() throws Exception {
    return read(Duration.ofSeconds(10));
  }

  /** Reads one whole frame, failing if none arrives in time. */
  Frame read(Duration timeout) throws Exception {
    Future<Frame> f =
        reader.submit(
            () -> {
              ByteBuffer header = readFully(10);
              int length = header.getInt(0);
              ByteBuffer data = readFully(length);
              return new Frame(
                  length,
                  header.getInt(4),
                  header.get(8) & 0xff,
                  header.get(9) & 0xff,
                  HEX.formatHex(data.array()));
            });
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      throw new AssertionError("no frame within " + timeout);
    }
  }

  /** True if the peer closed the connection (EOF) within the timeout. */
  boolean closedWithin(Duration timeout) throws Exception {
    Future<Boolean> f = reader.submit(() -> channel.read(ByteBuffer.allocate(1)) < 0);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // reset
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      return false;
    }
  }

  private ByteBuffer readFully(int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (channel.read(buf) < 0) {
        throw new IOException("connection closed by the peer");
      }
    }
    return buf.flip();
  }

  @Override
  public void close() throws IOException {
    reader.shutdownNow();
    channel.close();
  }
}
