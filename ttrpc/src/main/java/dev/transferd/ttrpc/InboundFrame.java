package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * A whole frame read off a connection. Ownership: the decoder hands over {@code payload} (a
 * retained slice of its cumulation, or a wrapper of {@code owned}); the connection handler that
 * consumes the frame releases it exactly once, on the event loop, after taking what it keeps.
 *
 * @param owned for large frames, the array the decoder filled straight from the socket and gives
 *     away; null otherwise
 */
record InboundFrame(int streamId, byte type, byte flags, ByteBuf payload, byte[] owned) {
  boolean hasFlag(byte flag) {
    return (flags & flag) == flag;
  }

  /** The payload as an array the caller may keep: the decoder's own array, or a copy. */
  byte[] takeBytes() {
    return owned != null ? owned : ByteBufUtil.getBytes(payload);
  }
}
