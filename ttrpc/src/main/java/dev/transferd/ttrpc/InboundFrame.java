package dev.transferd.ttrpc;

import io.netty.buffer.ByteBuf;

/**
 * A whole frame read off a connection. Ownership: the decoder hands over a retained slice of its
 * cumulation; the connection handler that consumes the frame releases {@code payload} exactly once,
 * on the event loop, after copying out what it keeps.
 */
record InboundFrame(int streamId, byte type, byte flags, ByteBuf payload) {
  boolean hasFlag(byte flag) {
    return (flags & flag) == flag;
  }
}
