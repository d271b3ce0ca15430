package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.transferd.ttrpc.proto.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Whatever bytes a peer writes to the server's socket, the server answers with whole, well-formed
 * frames only (responses that parse, data frames), ends the connection when the peer does, never
 * hangs, leaks no buffer (the leak check runs after the class) and keeps serving other clients. The
 * committed inputs are frames captured from Go peers and their corruptions; {@code make fuzz}
 * mutates them.
 */
class TtrpcServerFuzzTest {
  private static final String SERVICE = "pkg.Svc"; // the service of the golden frames
  private static final MethodDescriptor<BytesValue, BytesValue> ECHO =
      MethodDescriptor.unary(SERVICE, "Echo", BytesValue.parser(), BytesValue.parser());
  private static final MethodDescriptor<BytesValue, BytesValue> BIDI =
      MethodDescriptor.bidiStreaming(SERVICE, "Bidi", BytesValue.parser(), BytesValue.parser());
  private static final long ANSWER_TIMEOUT_NANOS = 10_000_000_000L;

  private static TtrpcServer server;
  private static TtrpcClient client;
  private static Path socket;

  @BeforeAll
  static void start() throws IOException {
    socket = Files.createTempDirectory("ttrpc-fuzz").resolve("s.sock");
    ServiceDefinition service =
        ServiceDefinition.builder(SERVICE).unary(ECHO, (ctx, request) -> request).stream(
                BIDI,
                (ctx, stream) -> {
                  BytesValue m;
                  while ((m = stream.receive()) != null) {
                    stream.send(m);
                  }
                  return null;
                })
            .build();
    server = TtrpcServer.builder().addService(service).build().start(socket);
    client = TtrpcClient.connect(socket);
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  @FuzzTest
  void anyBytesGetWellFormedAnswersAndTheServerLivesOn(byte[] input) throws Exception {
    byte[] answer = exchange(input);
    ByteBuffer frames = ByteBuffer.wrap(answer);
    while (frames.remaining() > 0) {
      assertTrue(frames.remaining() >= 10, "a partial frame header at the end of the answer");
      int length = frames.getInt();
      frames.getInt(); // stream id: protocol errors go back on the offending id, even or odd
      int type = frames.get();
      frames.get(); // flags
      assertTrue(length >= 0 && length <= Protocol.DEFAULT_MAX_MESSAGE_SIZE, "length " + length);
      assertTrue(frames.remaining() >= length, "a frame cut short: " + length);
      byte[] data = new byte[length];
      frames.get(data);
      switch (type) {
        case 2 -> parseResponse(data);
        case 3 -> {} // data of a stream the peer opened
        default -> fail("the server sent frame type " + type);
      }
    }
    BytesValue ping = BytesValue.of(ByteString.copyFromUtf8("still there?"));
    assertEquals(ping, client.call(ECHO, ping));
  }

  private static void parseResponse(byte[] data) {
    try {
      Response.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the server sent a response that does not parse", e);
    }
  }

  /** Writes {@code input}, half-closes, and reads everything until the server closes. */
  private static byte[] exchange(byte[] input) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      ByteBuffer out = ByteBuffer.wrap(input);
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      SelectionKey key = channel.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      long deadline = System.nanoTime() + ANSWER_TIMEOUT_NANOS;
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("the server neither answered nor closed within 10 s");
        }
        selector.select(Math.max(1, left / 1_000_000));
        if (key.isWritable()) {
          try {
            channel.write(out);
            if (!out.hasRemaining()) {
              channel.shutdownOutput();
            }
          } catch (IOException closedByServer) {
            out.position(out.limit()); // it refused the rest; read what it said
          }
          if (!out.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ);
          }
        }
        if (key.isReadable()) {
          in.clear();
          int n;
          try {
            n = channel.read(in);
          } catch (IOException reset) {
            return answer.toByteArray(); // the server dropped the connection: also an end
          }
          if (n < 0) {
            return answer.toByteArray();
          }
          answer.write(in.array(), 0, n);
        }
        selector.selectedKeys().clear();
      }
    }
  }
}
