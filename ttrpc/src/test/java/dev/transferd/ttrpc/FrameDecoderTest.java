package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Frames as the decoder reports them, with payloads copied out and released. */
  private record Decoded(int streamId, byte type, byte flags, String payloadHex, long oversize) {}

  private static List<Decoded> decodeInPieces(byte[] wire, int maxMessageSize, int... cuts) {
    EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(maxMessageSize));
    int from = 0;
    for (int cut : cuts) {
      channel.writeInbound(Unpooled.wrappedBuffer(wire, from, cut - from));
      from = cut;
    }
    channel.writeInbound(Unpooled.wrappedBuffer(wire, from, wire.length - from));
    List<Decoded> out = new ArrayList<>();
    Object msg;
    while ((msg = channel.readInbound()) != null) {
      if (msg instanceof InboundFrame f) {
        out.add(
            new Decoded(f.streamId(), f.type(), f.flags(), ByteBufUtil.hexDump(f.payload()), -1));
        f.payload().release();
      } else {
        OversizedFrame o = assertInstanceOf(OversizedFrame.class, msg);
        out.add(new Decoded(o.streamId(), o.type(), o.flags(), "", o.length()));
      }
    }
    channel.finishAndReleaseAll();
    return out;
  }

  private static byte[] concat(String... hex) {
    return HEX.parseHex(String.join("", hex).replace(" ", ""));
  }

  @Test
  void framesSurviveASplitAtEveryOffset() {
    // Golden frames of docs/protocol/ttrpc.md §9: a unary request, a zero-length response, a stream
    // close.
    byte[] wire =
        concat(
            "00000015 00000001 01 00 0a07706b672e537663 12044563686f 1a04 0a026869",
            "00000000 00000005 02 00",
            "00000000 00000015 03 05",
            "00000003 00000015 03 00 0a0161");
    List<Decoded> expected =
        List.of(
            new Decoded(1, (byte) 1, (byte) 0, "0a07706b672e53766312044563686f1a040a026869", -1),
            new Decoded(5, (byte) 2, (byte) 0, "", -1),
            new Decoded(0x15, (byte) 3, (byte) 5, "", -1),
            new Decoded(0x15, (byte) 3, (byte) 0, "0a0161", -1));
    for (int cut = 0; cut <= wire.length; cut++) {
      assertEquals(expected, decodeInPieces(wire, 1 << 20, cut), "split at " + cut);
    }
    for (int a = 0; a <= wire.length; a += 3) {
      for (int b = a; b <= wire.length; b += 5) {
        assertEquals(expected, decodeInPieces(wire, 1 << 20, a, b), "split at " + a + "," + b);
      }
    }
  }

  @Test
  void oversizedFrameIsDiscardedAndTheNextFrameStillDecodes() {
    int limit = 16;
    byte[] wire =
        concat(
            "00000011 00000019 01 00",
            "000102030405060708090a0b0c0d0e0f10", // 17 bytes: one over the limit
            "00000003 0000001b 01 00 0a0161");
    for (int cut = 0; cut <= wire.length; cut++) {
      List<Decoded> got = decodeInPieces(wire, limit, cut);
      assertEquals(
          List.of(
              new Decoded(0x19, (byte) 1, (byte) 0, "", 17),
              new Decoded(0x1b, (byte) 1, (byte) 0, "0a0161", -1)),
          got,
          "split at " + cut);
    }
  }

  @Test
  void largeFramesAreFilledStraightIntoTheirOwnArrayAcrossReads() {
    int size = FrameDecoder.FILL_THRESHOLD + 5;
    byte[] data = new byte[size];
    new java.util.Random(7).nextBytes(data);
    byte[] header = concat(String.format("%08x 00000003 03 00", size));
    byte[] tail = concat("00000003 00000005 03 00 0a0161");
    byte[] wire = new byte[header.length + size + tail.length];
    System.arraycopy(header, 0, wire, 0, header.length);
    System.arraycopy(data, 0, wire, header.length, size);
    System.arraycopy(tail, 0, wire, header.length + size, tail.length);
    List<Decoded> expected =
        List.of(
            new Decoded(3, (byte) 3, (byte) 0, HEX.formatHex(data), -1),
            new Decoded(5, (byte) 3, (byte) 0, "0a0161", -1));
    for (int cut : new int[] {0, 5, 10, 11, 4096, size, size + 9, size + 10, wire.length - 1}) {
      assertEquals(expected, decodeInPieces(wire, 1 << 20, cut), "split at " + cut);
      assertEquals(
          expected, decodeInPieces(wire, 1 << 20, cut / 2, cut), "split at " + cut / 2 + "," + cut);
    }
  }

  @Test
  void limitIsInclusive() {
    byte[] wire = concat("00000004 00000001 03 00 01020304");
    assertEquals(
        List.of(new Decoded(1, (byte) 3, (byte) 0, "01020304", -1)), decodeInPieces(wire, 4));
  }

  @Test
  void lengthsUpToFourGigabytesAreDiscardedNotTrusted() {
    // A header claiming 0xffffffff bytes is oversize, not a negative int.
    EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
    channel.writeInbound(Unpooled.wrappedBuffer(concat("ffffffff 00000001 01 00 00112233")));
    assertNull(channel.readInbound(), "nothing is reported until the declared bytes are skipped");
    ByteBuf cumulation = Unpooled.buffer();
    channel.finishAndReleaseAll();
    cumulation.release();
  }
}
