package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into {@link InboundFrame}s. A large frame is copied from each read
 * straight into an array of its declared size, so its bytes are copied once on their way from the
 * socket to the message (no cumulation merges, no second copy out). A frame declaring more than the
 * limit is skipped byte by byte as it arrives (never buffered) and then reported as an {@link
 * OversizedFrame}, as Go's {@code channel.recv} does, so one bad message costs one stream and not
 * the connection. Not thread-safe: one instance per channel.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  /** Frames at least this large are filled straight into their own array. */
  static final int FILL_THRESHOLD = 64 * 1024;

  private final int maxMessageSize;
  private long discardRemaining;
  private OversizedFrame discarding;
  // The large frame being filled: its header fields, its array and how much of it has arrived.
  private int fillStreamId;
  private byte fillType;
  private byte fillFlags;
  private byte[] filling;
  private int filled;

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
      if (filling != null) {
        int n = Math.min(filling.length - filled, in.readableBytes());
        in.readBytes(filling, filled, n);
        filled += n;
        if (filled < filling.length) {
          return;
        }
        byte[] done = filling;
        filling = null;
        out.add(
            new InboundFrame(
                fillStreamId, fillType, fillFlags, Unpooled.wrappedBuffer(done), done));
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
      if (length >= FILL_THRESHOLD) {
        in.skipBytes(Protocol.HEADER_LENGTH);
        fillStreamId = streamId;
        fillType = type;
        fillFlags = flags;
        filling = new byte[(int) length];
        filled = 0;
        continue;
      }
      if (in.readableBytes() < Protocol.HEADER_LENGTH + length) {
        return;
      }
      in.skipBytes(Protocol.HEADER_LENGTH);
      out.add(new InboundFrame(streamId, type, flags, in.readRetainedSlice((int) length), null));
    }
  }
}
