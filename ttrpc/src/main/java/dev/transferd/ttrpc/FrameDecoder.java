package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into {@link InboundFrame}s. A frame declaring more than the limit is
 * skipped byte by byte as it arrives (never buffered) and then reported as an {@link
 * OversizedFrame}, as Go's {@code channel.recv} does, so one bad message costs one stream and not
 * the connection. Not thread-safe: one instance per channel.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private final int maxMessageSize;
  private long discardRemaining;
  private OversizedFrame discarding;

  FrameDecoder(int maxMessageSize) {
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (true) {
      if (discarding != null) {
        int skip = (int) Math.min(discardRemaining, in.readableBytes());
        in.skipBytes(skip);
        discardRemaining -= skip;
        if (discardRemaining > 0) {
          return;
        }
        out.add(discarding);
        discarding = null;
      }
      if (in.readableBytes() < Protocol.HEADER_LENGTH) {
        return;
      }
      int at = in.readerIndex();
      long length = in.getUnsignedInt(at);
      int streamId = in.getInt(at + 4);
      byte type = in.getByte(at + 8);
      byte flags = in.getByte(at + 9);
      if (length > maxMessageSize) {
        in.skipBytes(Protocol.HEADER_LENGTH);
        discarding = new OversizedFrame(streamId, type, flags, length, maxMessageSize);
        discardRemaining = length;
        continue;
      }
      if (in.readableBytes() < Protocol.HEADER_LENGTH + length) {
        return;
      }
      in.skipBytes(Protocol.HEADER_LENGTH);
      out.add(new InboundFrame(streamId, type, flags, in.readRetainedSlice((int) length)));
    }
  }
}
