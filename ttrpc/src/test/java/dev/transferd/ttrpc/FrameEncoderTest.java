package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Frames our encoder writes, against the golden bytes Go peers produce (docs/protocol/ttrpc.md §9).
 */
class FrameEncoderTest {
  private final FrameEncoder encoder =
      new FrameEncoder(new UnpooledByteBufAllocator(false), Protocol.DEFAULT_MAX_MESSAGE_SIZE);

  private static String hex(Supplier<ByteBuf> frame) {
    ByteBuf buf = frame.get();
    try {
      return ByteBufUtil.hexDump(buf);
    } finally {
      buf.release();
    }
  }

  private static BytesValue bytes(String s) {
    return BytesValue.of(ByteString.copyFromUtf8(s));
  }

  @Test
  void unaryRequestMatchesGoClientBytes() {
    assertEquals(
        "00000015000000010100" + "0a07706b672e537663" + "12044563686f" + "1a040a026869",
        hex(
            () ->
                encoder.request(1, (byte) 0, "pkg.Svc", "Echo", bytes("hi"), 0, Metadata.empty())));
  }

  @Test
  void timeoutAndMetadataFollowThePayloadAsGoWritesThem() {
    // docs/protocol/ttrpc.md §9: a 1 s timeout is "20 8094ebdc03"; metadata k=v is "2a06 0a016b
    // 120176".
    String frame =
        hex(
            () ->
                encoder.request(
                    1,
                    (byte) 0,
                    "pkg.Svc",
                    "Echo",
                    bytes("hi"),
                    1_000_000_000L,
                    Metadata.of("k", "v")));
    assertEquals(
        "0a07706b672e537663"
            + "12044563686f"
            + "1a040a026869"
            + "208094ebdc03"
            + "2a060a016b120176",
        frame.substring(20));
  }

  @Test
  void emptyPayloadIsLeftOutLikeGo() {
    // Go's server-streaming open with an all-default request: flags 01, no payload field.
    assertEquals(
        "0000000f000000150101" + "0a07706b672e537663" + "1204446f776e",
        hex(
            () ->
                encoder.request(
                    0x15,
                    Protocol.FLAG_REMOTE_CLOSED,
                    "pkg.Svc",
                    "Down",
                    BytesValue.getDefaultInstance(),
                    0,
                    Metadata.empty())));
  }

  @Test
  void okResponseOmitsStatusAndEmptyResultIsZeroLength() {
    assertEquals(
        "00000006000000010200" + "12040a026869", hex(() -> encoder.response(1, bytes("hi"))));
    assertEquals(
        "00000000000000050200", hex(() -> encoder.response(5, BytesValue.getDefaultInstance())));
  }

  @Test
  void errorResponseCarriesCodeAndMessage() {
    assertEquals(
        "0000000a000000070200" + "0a08080512046e6f7065",
        hex(() -> encoder.error(7, Status.of(StatusCode.NOT_FOUND, "nope"))));
  }

  @Test
  void dataFramesAndTheCloseMarker() {
    assertEquals(
        "00000003000000150300" + "0a0161", hex(() -> encoder.data(0x15, (byte) 0, bytes("a"))));
    assertEquals(
        "00000000000000150300",
        hex(() -> encoder.data(0x15, (byte) 0, BytesValue.getDefaultInstance())));
    assertEquals("00000000000000150305", hex(() -> encoder.data(0x15, Protocol.FLAGS_CLOSE, null)));
  }

  @Test
  void oversizedMessageIsRefusedBeforeAnythingIsAllocated() {
    FrameEncoder small = new FrameEncoder(new UnpooledByteBufAllocator(false), 1024);
    BytesValue big = BytesValue.of(ByteString.copyFrom(new byte[1024]));
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> small.data(1, (byte) 0, big).release());
    assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
    assertEquals("message length 1027 exceed maximum message size of 1024", e.status().message());
    // Exactly at the limit is fine.
    BytesValue fits = BytesValue.of(ByteString.copyFrom(new byte[1021]));
    small.data(1, (byte) 0, fits).release();
  }
}
