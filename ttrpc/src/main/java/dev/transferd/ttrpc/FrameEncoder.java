package dev.transferd.ttrpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Encodes whole frames (header and data in one buffer, so each is one gathering write) on the
 * caller's thread. The Request and Response envelopes are written field by field around the user
 * message, so a large message is serialized once, straight into the frame.
 *
 * <p>Ownership: every method returns a buffer the caller owns, or throws having released everything
 * it allocated. The size limit is checked before any allocation: an oversized message fails with
 * RESOURCE_EXHAUSTED and nothing is written.
 */
final class FrameEncoder {
  // Field numbers of ttrpc.Request and ttrpc.Response (request.proto).
  private static final int REQUEST_SERVICE = 1;
  private static final int REQUEST_METHOD = 2;
  private static final int REQUEST_PAYLOAD = 3;
  private static final int REQUEST_TIMEOUT_NANO = 4;
  private static final int REQUEST_METADATA = 5;
  private static final int RESPONSE_STATUS = 1;
  private static final int RESPONSE_PAYLOAD = 2;

  private final ByteBufAllocator alloc;
  private final int maxMessageSize;

  FrameEncoder(ByteBufAllocator alloc, int maxMessageSize) {
    this.alloc = alloc;
    this.maxMessageSize = maxMessageSize;
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  /** A Data frame carrying a message, or none when {@code message} is null. */
  ByteBuf data(int streamId, byte flags, MessageLite message) {
    int size = message == null ? 0 : message.getSerializedSize();
    ByteBuf frame = allocate(streamId, Protocol.TYPE_DATA, flags, size);
    if (size > 0) {
      write(frame, size, out -> message.writeTo(out));
    }
    return frame;
  }

  /**
   * A Request frame. {@code payload} null (stream opens without a first message) or empty leaves
   * the payload field absent.
   */
  ByteBuf request(
      int streamId,
      byte flags,
      String service,
      String method,
      MessageLite payload,
      long timeoutNanos,
      Metadata metadata) {
    var pairs = new java.util.ArrayList<dev.transferd.ttrpc.proto.KeyValue>();
    metadata.toWire(pairs);
    int payloadSize = payload == null ? 0 : payload.getSerializedSize();
    long size =
        CodedOutputStream.computeStringSize(REQUEST_SERVICE, service)
            + CodedOutputStream.computeStringSize(REQUEST_METHOD, method);
    // Like Go, an empty payload is left out (proto3 bytes); servers deliver it as an empty message.
    boolean withPayload = payload != null && payloadSize > 0;
    if (withPayload) {
      size +=
          CodedOutputStream.computeTagSize(REQUEST_PAYLOAD)
              + CodedOutputStream.computeUInt32SizeNoTag(payloadSize)
              + payloadSize;
    }
    if (timeoutNanos != 0) {
      size += CodedOutputStream.computeInt64Size(REQUEST_TIMEOUT_NANO, timeoutNanos);
    }
    for (var kv : pairs) {
      size += CodedOutputStream.computeMessageSize(REQUEST_METADATA, kv);
    }
    ByteBuf frame = allocate(streamId, Protocol.TYPE_REQUEST, flags, size);
    write(
        frame,
        (int) size,
        out -> {
          out.writeString(REQUEST_SERVICE, service);
          out.writeString(REQUEST_METHOD, method);
          if (withPayload) {
            out.writeTag(REQUEST_PAYLOAD, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(payloadSize);
            payload.writeTo(out);
          }
          if (timeoutNanos != 0) {
            out.writeInt64(REQUEST_TIMEOUT_NANO, timeoutNanos);
          }
          for (var kv : pairs) {
            out.writeMessage(REQUEST_METADATA, kv);
          }
        });
    return frame;
  }

  /** A successful Response; the status field is omitted, as Go does. */
  ByteBuf response(int streamId, MessageLite payload) {
    int payloadSize = payload.getSerializedSize();
    long size =
        payloadSize == 0
            ? 0
            : CodedOutputStream.computeTagSize(RESPONSE_PAYLOAD)
                + CodedOutputStream.computeUInt32SizeNoTag(payloadSize)
                + payloadSize;
    ByteBuf frame = allocate(streamId, Protocol.TYPE_RESPONSE, (byte) 0, size);
    if (size > 0) {
      write(
          frame,
          (int) size,
          out -> {
            out.writeTag(
                RESPONSE_PAYLOAD, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(payloadSize);
            payload.writeTo(out);
          });
    }
    return frame;
  }

  /** An error Response. A message too long for the limit is cut, so the error still goes out. */
  ByteBuf error(int streamId, Status status) {
    dev.transferd.ttrpc.proto.Status proto = status.toProto();
    int size = CodedOutputStream.computeMessageSize(RESPONSE_STATUS, proto);
    if (size > maxMessageSize) {
      String cut = status.message().substring(0, Math.min(status.message().length(), 4096));
      proto = Status.of(status.code(), cut + "... (truncated)").toProto();
      size = CodedOutputStream.computeMessageSize(RESPONSE_STATUS, proto);
    }
    var finalProto = proto;
    ByteBuf frame = allocate(streamId, Protocol.TYPE_RESPONSE, (byte) 0, size);
    write(frame, size, out -> out.writeMessage(RESPONSE_STATUS, finalProto));
    return frame;
  }

  private ByteBuf allocate(int streamId, byte type, byte flags, long size) {
    if (size > maxMessageSize) {
      throw new TtrpcException(
          StatusCode.RESOURCE_EXHAUSTED, Protocol.oversizeMessage(size, maxMessageSize));
    }
    ByteBuf frame = alloc.ioBuffer(Protocol.HEADER_LENGTH + (int) size);
    frame.writeInt((int) size).writeInt(streamId).writeByte(type).writeByte(flags);
    return frame;
  }

  private interface Body {
    void writeTo(CodedOutputStream out) throws IOException;
  }

  private static void write(ByteBuf frame, int size, Body body) {
    try {
      int at = frame.writerIndex();
      ByteBuffer target = frame.nioBuffer(at, size);
      CodedOutputStream out = CodedOutputStream.newInstance(target);
      body.writeTo(out);
      out.flush();
      out.checkNoSpaceLeft();
      frame.writerIndex(at + size);
    } catch (IOException | RuntimeException e) {
      frame.release();
      throw new TtrpcException(
          Status.of(StatusCode.INTERNAL, "ttrpc: cannot encode message: " + e.getMessage()), e);
    }
  }
}
