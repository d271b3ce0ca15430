package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins what {@link NettyInternals} relies on in Netty beyond its promised API, over a real unix
 * socket: if a Netty upgrade changes any of it, this fails instead of the fast write path going
 * quietly wrong (or quietly away).
 */
class NettyInternalsTest {
  @TempDir Path dir;
  private EventLoopGroup group;
  private ServerSocketChannel listener;
  private Channel channel;
  private SocketChannel peer;

  @BeforeEach
  void connect() throws Exception {
    Path socket = dir.resolve("s.sock");
    listener = RawPeer.listen(socket);
    group = Transport.newEventLoopGroup(1, "internals-test");
    channel =
        new Bootstrap()
            .group(group)
            .channel(Transport.channelType())
            .handler(new ChannelInboundHandlerAdapter())
            .connect(Transport.address(socket))
            .sync()
            .channel();
    peer = listener.accept();
  }

  @AfterEach
  void close() throws Exception {
    channel.close().sync();
    peer.close();
    listener.close();
    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
    Files.deleteIfExists(dir.resolve("s.sock"));
  }

  @Test
  void epollLoadsOnLinuxSoTheDirectPathExists() {
    assumeTrue(System.getProperty("os.name").equals("Linux"), "epoll is Linux only");
    assumeTrue(!Boolean.getBoolean("ttrpc.nio"), "NIO forced by -Dttrpc.nio");
    assertTrue(
        Epoll.isAvailable(),
        () -> "Netty's native epoll no longer loads: " + Epoll.unavailabilityCause());
    assertTrue(Transport.EPOLL);
    assertNotNull(NettyInternals.directWriter(channel));
  }

  @Test
  void aDirectWriteReachesThePeerWholeAndLeavesTheBufferIndexesAlone() throws Exception {
    NettyInternals.DirectWriter writer = NettyInternals.directWriter(channel);
    assumeTrue(writer != null, "no epoll: the direct path is off");
    byte[] bytes = "hello, direct write".getBytes();
    ByteBuf[] offHeap = {
      ByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes), // by memory address
      Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip())
    };
    for (ByteBuf buf : offHeap) {
      try {
        assertEquals(bytes.length, writer.write(buf));
        assertEquals(0, buf.readerIndex());
        assertEquals(bytes.length, buf.writerIndex());
      } finally {
        buf.release();
      }
      ByteBuffer got = ByteBuffer.allocate(bytes.length);
      while (got.hasRemaining()) {
        peer.read(got);
      }
      assertArrayEquals(bytes, got.array());
    }
  }

  @Test
  void aHeapBufferIsLeftForTheQueuedPathNotWrittenFromTheArray() throws Exception {
    NettyInternals.DirectWriter writer = NettyInternals.directWriter(channel);
    assumeTrue(writer != null, "no epoll: the direct path is off");
    ByteBuf heap = Unpooled.wrappedBuffer("on the heap".getBytes());
    try {
      // Netty's native write takes only off-heap memory (a heap array fails with EFAULT).
      assertEquals(0, writer.write(heap));
      assertEquals(0, heap.readerIndex());
    } finally {
      heap.release();
    }
  }

  @Test
  void aFullSocketBufferTakesZeroBytesRatherThanThrowing() throws Exception {
    NettyInternals.DirectWriter writer = NettyInternals.directWriter(channel);
    assumeTrue(writer != null, "no epoll: the direct path is off");
    ByteBuf chunk = ByteBufAllocator.DEFAULT.directBuffer(64 * 1024).writeZero(64 * 1024);
    try {
      long total = 0;
      int n;
      // The peer reads nothing: the socket buffers fill within a few MiB, then EAGAIN must come
      // back as 0 bytes written (Netty's ioResult), not as an exception.
      while ((n = writer.write(chunk)) > 0) {
        total += n;
        assertTrue(total < (256L << 20), "socket never filled");
      }
      assertEquals(0, n);
      assertTrue(total > 0);
    } finally {
      chunk.release();
    }
  }

  @Test
  void pendingOutboundBytesCountsWhatNettyHasNotWrittenYet() throws Exception {
    ByteBuf frame = Unpooled.directBuffer(100).writeZero(100);
    channel.eventLoop().submit(() -> channel.write(frame)).sync(); // written, not flushed
    // Netty counts its per-entry overhead too; what matters is "not zero until written".
    assertTrue(NettyInternals.pendingOutboundBytes(channel) >= 100);
    channel.eventLoop().submit(channel::flush).sync();
    assertEquals(0, NettyInternals.pendingOutboundBytes(channel));
    channel.close().sync();
    assertNull(channel.unsafe().outboundBuffer());
    assertEquals(0, NettyInternals.pendingOutboundBytes(channel));
  }

  @Test
  void theMpscQueueIsFirstInFirstOut() {
    Queue<Integer> queue = NettyInternals.newMpscQueue();
    for (int i = 0; i < 1000; i++) {
      queue.add(i);
    }
    for (int i = 0; i < 1000; i++) {
      assertEquals(i, queue.poll());
    }
    assertNull(queue.poll());
  }
}
