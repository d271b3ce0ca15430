package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A whole frame read off a connection: its header fields and its payload.
 *
 * <p>Ownership: a reference-counted holder of its payload (a retained slice of the decoder's
 * cumulation, or a wrapper of {@code owned}). The decoder hands it over; the connection handler
 * that consumes the frame releases it exactly once, on the event loop, after taking what it keeps;
 * a frame never delivered is released with the connection's backlog.
 */
final class InboundFrame extends DefaultByteBufHolder {
  private final int streamId;
  private final byte type;
  private final byte flags;
  private final byte[] owned;

  /**
   * @param owned for large frames, the array the decoder filled and gives away, which {@code
   *     payload} wraps; null otherwise
   */
  InboundFrame(int streamId, byte type, byte flags, ByteBuf payload, byte[] owned) {
    super(payload);
    this.streamId = streamId;
    this.type = type;
    this.flags = flags;
    this.owned = owned;
  }

  int streamId() {
    return streamId;
  }

  byte type() {
    return type;
  }

  byte flags() {
    return flags;
  }

  /** The payload bytes; the frame still owns them. */
  ByteBuf payload() {
    return content();
  }

  boolean hasFlag(byte flag) {
    return (flags & flag) == flag;
  }

  /** The payload as an array the caller may keep: the decoder's own array, or a copy. */
  byte[] takeBytes() {
    return owned != null ? owned : ByteBufUtil.getBytes(content());
  }

  @Override
  public InboundFrame replace(ByteBuf content) {
    return new InboundFrame(streamId, type, flags, content, null);
  }

  @Override
  public String toString() {
    return "InboundFrame(stream "
        + streamId
        + ", type "
        + type
        + ", flags "
        + flags
        + ", "
        + content().readableBytes()
        + " bytes)";
  }
}
