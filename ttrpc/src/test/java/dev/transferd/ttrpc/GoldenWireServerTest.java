package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.transferd.ttrpc.proto.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A raw client replays the frames captured against a Go server (docs/protocol/ttrpc.md §9) at our
 * server and checks the answers byte for byte, or by status where Go's text is Go-specific.
 */
class GoldenWireServerTest {
  private static TtrpcServer server;
  private static Path socket;

  @BeforeAll
  static void start() throws Exception {
    socket = Files.createTempDirectory("ttrpc-golden").resolve("s.sock");
    server = TtrpcServer.builder().addService(new TestService().definition()).build().start(socket);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static dev.transferd.ttrpc.proto.Status status(RawPeer.Frame f)
      throws InvalidProtocolBufferException {
    assertEquals(2, f.type(), "a Response: " + f);
    return Response.parseFrom(RawPeer.HEX.parseHex(f.dataHex())).getStatus();
  }

  @Test
  void unaryOkOmitsTheStatus() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000015 00000001 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 00000001 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void emptyResultIsAZeroLengthResponse() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000012 00000005 01 00 | 0a07706b672e537663 1205456d707479 1a00");
      assertEquals("00000000 00000005 02 00 | ", peer.read().toString());
    }
  }

  @Test
  void metadataWithAnEmptyKeyIsDroppedAndTheCallServed() throws Exception {
    // Found by TtrpcServerFuzzTest: this used to throw on the event loop and release the request
    // frame twice. Go keeps such an entry where nobody looks it up; we drop it.
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send(
          "0000001c 00000001 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869 2a05 0a00120176");
      assertEquals("00000006 00000001 02 00 | 12040a026869", peer.read().toString());
      peer.send("00000015 00000003 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 00000003 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void statusErrorIsCodeAndMessage() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000011 00000007 01 00 | 0a07706b672e537663 12044661696c 1a00");
      assertEquals("0000000a 00000007 02 00 | 0a08080512046e6f7065", peer.read().toString());
    }
  }

  @Test
  void unknownServiceAndMethodGetGoMessages() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000010 00000001 01 00 | 0a086e6f70652e537663 12044e6f7065");
      var s = status(peer.read());
      assertEquals(12, s.getCode());
      assertEquals("service nope.Svc", s.getMessage());
      peer.send("0000000f 00000003 01 00 | 0a07706b672e537663 12044e6f7065");
      s = status(peer.read());
      assertEquals(12, s.getCode());
      assertEquals("method Nope", s.getMessage());
    }
  }

  @Test
  void streamIdRulesAreEnforcedWithGoMessages() throws Exception {
    String echo = "0a07706b672e537663 12044563686f 1a04 0a026869";
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000015 0000000e 01 00 | " + echo);
      RawPeer.Frame f = peer.read();
      assertEquals(14, f.streamId());
      assertEquals("StreamID must be odd for client initiated streams", status(f).getMessage());
      peer.send("00000015 00000009 01 00 | " + echo);
      assertEquals(9, peer.read().streamId());
      peer.send("00000015 00000009 01 00 | " + echo);
      f = peer.read();
      assertEquals(3, status(f).getCode());
      assertEquals("StreamID cannot be re-used and must increment", status(f).getMessage());
      peer.send("00000015 00000007 01 00 | " + echo);
      assertEquals(
          "StreamID cannot be re-used and must increment", status(peer.read()).getMessage());
    }
  }

  @Test
  void garbageRequestIsInvalidArgumentAndTheConnectionLivesOn() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000003 00000001 01 00 | ffffff");
      var s = status(peer.read());
      assertEquals(3, s.getCode());
      assertTrue(s.getMessage().startsWith("unmarshal request error: "), s.getMessage());
      peer.send("00000015 00000003 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 00000003 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void unknownFrameTypeIsIgnored() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000002 00000001 07 00 | abcd");
      peer.send("00000015 00000003 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      // The first frame back answers stream 3: nothing was said about the type-7 frame.
      assertEquals("00000006 00000003 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void dataForAnUnknownStreamIsNoLongerActive() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("00000003 00000005 03 00 | 0a0161");
      RawPeer.Frame f = peer.read();
      assertEquals(5, f.streamId());
      assertEquals(3, status(f).getCode());
      assertEquals("StreamID is no longer active", status(f).getMessage());
    }
  }

  @Test
  void dataOnAUnaryStreamFailsThatStreamInsteadOfCrashing() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      // Sleep 2000 ms, then a Data frame on its stream: Go servers panic here.
      peer.send("00000018 00000001 01 00 | 0a07706b672e537663 1205536c656570 1a06 0a0432303030");
      peer.send("00000003 00000001 03 00 | 0a0161");
      RawPeer.Frame f = peer.read();
      assertEquals(1, f.streamId());
      assertEquals(3, status(f).getCode());
      peer.send("00000015 00000003 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 00000003 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void serverStreamSendsMessagesThenTheCloseMarker() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("0000000f 00000015 01 01 | 0a07706b672e537663 1204446f776e");
      assertEquals("00000003 00000015 03 00 | 0a0161", peer.read().toString());
      assertEquals("00000000 00000015 03 00 | ", peer.read().toString());
      assertEquals("00000000 00000015 03 05 | ", peer.read().toString());
    }
  }

  @Test
  void streamHandlerErrorIsAResponseAfterTheDataSent() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("0000000f 00000015 01 01 | 0a07706b672e537663 120453746f70");
      assertEquals("00000003 00000015 03 00 | 0a0161", peer.read().toString());
      RawPeer.Frame f = peer.read();
      assertEquals(10, status(f).getCode());
      assertEquals("stop", status(f).getMessage());
    }
  }

  @Test
  void clientStreamCollectsDataUntilTheCloseMarker() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("0000000d 00000017 01 02 | 0a07706b672e537663 12025570");
      peer.send("00000004 00000017 03 00 | 0a026162");
      peer.send("00000004 00000017 03 00 | 0a026364");
      peer.send("00000000 00000017 03 05");
      assertEquals("00000008 00000017 02 00 | 12060a0461626364", peer.read().toString());
    }
  }

  @Test
  void closeMarkerWithDataIsRejectedAfterDeliveringIt() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      peer.send("0000000d 00000017 01 02 | 0a07706b672e537663 12025570");
      peer.send("00000004 00000017 03 01 | 0a026162");
      var s = status(peer.read());
      assertEquals(3, s.getCode());
      assertEquals("data close message cannot include data", s.getMessage());
    }
  }

  @Test
  void oversizedRequestFailsOnlyItsStream() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      byte[] frame = new byte[10 + 4194305];
      System.arraycopy(RawPeer.HEX.parseHex("00400001000000190100"), 0, frame, 0, 10);
      peer.write(frame);
      RawPeer.Frame f = peer.read();
      assertEquals(0x19, f.streamId());
      var s = status(f);
      assertEquals(8, s.getCode());
      assertEquals("message length 4194305 exceed maximum message size of 4194304", s.getMessage());
      peer.send("00000015 0000001b 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 0000001b 02 00 | 12040a026869", peer.read().toString());
    }
  }

  @Test
  void requestFlagsAreIgnoredForDispatch() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      // Unary method opened with remote-open; streaming method opened with flags 0.
      peer.send("00000015 00000001 01 02 | 0a07706b672e537663 12044563686f 1a04 0a026869");
      assertEquals("00000006 00000001 02 00 | 12040a026869", peer.read().toString());
      peer.send("0000000f 00000003 01 00 | 0a07706b672e537663 1204446f776e");
      assertEquals("00000003 00000003 03 00 | 0a0161", peer.read().toString());
    }
  }

  @Test
  void anAlreadyExpiredTimeoutIsDeadlineExceeded() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      // timeout_nano = -1. Go runs the handler anyway; we refuse it (documented difference).
      peer.send(
          "00000020 00000001 01 00 | 0a07706b672e537663 12044563686f 1a04 0a026869"
              + " 20 ffffffffffffffffff01");
      assertEquals(4, status(peer.read()).getCode());
    }
  }

  @Test
  void serverEnforcesTheDeadlineOfAnOverrunningHandler() throws Exception {
    try (RawPeer peer = RawPeer.connect(socket)) {
      // Sleep 5000 ms with timeout_nano = 100 ms (20 80dac42f).
      peer.send(
          "0000001d 00000001 01 00 | 0a07706b672e537663 1205536c656570 1a06 0a0435303030"
              + " 20 80dac42f");
      RawPeer.Frame f = peer.read(Duration.ofSeconds(2));
      assertEquals(4, status(f).getCode());
      assertEquals("deadline exceeded", status(f).getMessage());
    }
  }
}
