package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Queue;

/**
 * Every use this module makes of Netty API that Netty does not promise to keep: its internal
 * utilities, a channel's {@code unsafe()} outbound buffer, and non-blocking {@code write(2)} on an
 * epoll channel's own descriptor. Nothing else in the module touches them, and {@code
 * NettyInternalsTest} pins the behaviour each relies on, so a Netty upgrade that changes one fails
 * that test rather than a call on the wire.
 *
 * <p>Why each is worth it: the direct write takes a small call's response out of the event loop
 * hand-off (most of a round trip, see {@link ChannelWriter}); the pending-byte count tells the
 * direct path whether Netty still holds bytes that must leave first; the MPSC queue is the one
 * {@link ChannelWriter} drains, lock-free for its many producers.
 */
final class NettyInternals {
  private NettyInternals() {}

  /** A multi-producer, single-consumer unbounded queue (JCTools, as Netty ships it). */
  static <T> Queue<T> newMpscQueue() {
    return PlatformDependent.newMpscQueue();
  }

  /**
   * Bytes written to the channel but not yet to its socket; 0 once the channel has closed. Any
   * thread: the count is a volatile read in Netty.
   */
  static long pendingOutboundBytes(Channel channel) {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  /**
   * The channel's socket descriptor when it is a native epoll unix channel, so frames can be
   * written to it straight from the calling thread; null otherwise (NIO, or epoll disabled).
   */
  static DirectWriter directWriter(Channel channel) {
    return Transport.EPOLL && channel instanceof UnixChannel unix
        ? new DirectWriter(unix.fd())
        : null;
  }

  /** Non-blocking writes to a connected socket's descriptor, from any thread. */
  static final class DirectWriter {
    private final FileDescriptor fd;

    private DirectWriter(FileDescriptor fd) {
      this.fd = fd;
    }

    /**
     * Writes as much of {@code buf}'s readable bytes as the socket takes now, without moving its
     * indexes. Only off-heap memory can be written this way (the native write needs an address;
     * given a heap array it fails with EFAULT): a heap buffer is left whole, for the caller's
     * queued path, where Netty copies it off-heap.
     *
     * @return the bytes written (0 when the socket buffer is full, or for a heap buffer)
     * @throws IOException when the socket is broken (EPIPE, ECONNRESET) or closed
     */
    int write(ByteBuf buf) throws IOException {
      int from = buf.readerIndex();
      int to = buf.writerIndex();
      int n;
      if (buf.hasMemoryAddress()) {
        n = fd.writeAddress(buf.memoryAddress(), from, to);
      } else if (buf.isDirect() && buf.nioBufferCount() == 1) {
        ByteBuffer nio = buf.nioBuffer(from, to - from);
        n = fd.write(nio, nio.position(), nio.limit());
      } else {
        return 0;
      }
      return Math.max(n, 0);
    }
  }
}
