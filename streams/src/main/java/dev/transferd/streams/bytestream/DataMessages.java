package dev.transferd.streams.bytestream;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.Data;
import dev.transferd.proto.types.transfer.WindowUpdate;
import java.io.IOException;

/**
 * Encoding of the two byte-stream messages. {@code Data} is written by hand around the payload so a
 * chunk is copied once, into the ttrpc frame, and read back without copying (the payload aliases
 * the received frame).
 */
final class DataMessages {
  static final String DATA_TYPE = Data.getDescriptor().getFullName();

  /** Tag of {@code Data.data} (field 1, length-delimited). */
  private static final int DATA_TAG = (1 << 3) | 2;

  private DataMessages() {}

  /**
   * An {@code Any{Data}} whose payload is {@code payload}, which it aliases (the Data header is a
   * separate small piece): the bytes behind {@code payload} must not change until it has been sent.
   */
  static Any data(ByteString payload) {
    int length = payload.size();
    byte[] header = new byte[1 + CodedOutputStream.computeUInt32SizeNoTag(length)];
    header[0] = (byte) DATA_TAG;
    int p = 1;
    int v = length;
    while ((v & ~0x7F) != 0) {
      header[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    header[p] = (byte) v;
    ByteString value = UnsafeByteOperations.unsafeWrap(header).concat(payload);
    return Any.newBuilder().setTypeUrl(DATA_TYPE).setValue(value).build();
  }

  /** {@link #data(ByteString)} of {@code buffer[offset, offset + length)}, aliased. */
  static Any data(byte[] buffer, int offset, int length) {
    return data(UnsafeByteOperations.unsafeWrap(buffer, offset, length));
  }

  static Any windowUpdate(int credit) {
    return AnyCodec.pack(WindowUpdate.newBuilder().setUpdate(credit).build());
  }

  static boolean isData(Any message) {
    return AnyCodec.is(message, Data.class);
  }

  static boolean isWindowUpdate(Any message) {
    return AnyCodec.is(message, WindowUpdate.class);
  }

  /** The payload of an {@code Any{Data}}, aliasing the message's bytes. */
  static ByteString payload(Any message) throws InvalidProtocolBufferException {
    CodedInputStream in = message.getValue().newCodedInput();
    in.enableAliasing(true);
    try {
      return Data.parseFrom(in).getData();
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  static int update(Any message) throws InvalidProtocolBufferException {
    return WindowUpdate.parseFrom(message.getValue()).getUpdate();
  }
}
