package dev.transferd.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SmokeTest {
  static final MethodDescriptor<BytesValue, BytesValue> ECHO =
      MethodDescriptor.unary("test.Echo", "Echo", BytesValue.parser(), BytesValue.parser());

  @Test
  void echo() throws Exception {
    Path dir = Files.createTempDirectory("ttrpc");
    try (TtrpcServer server =
            TtrpcServer.builder()
                .addService(ServiceDefinition.builder("test.Echo").unary(ECHO, (c, r) -> r).build())
                .build()
                .start(dir.resolve("s.sock"));
        TtrpcClient client = TtrpcClient.connect(dir.resolve("s.sock"))) {
      BytesValue v = BytesValue.of(ByteString.copyFromUtf8("hi"));
      assertEquals(v, client.call(ECHO, v));
      long t = System.nanoTime();
      for (int i = 0; i < 20000; i++) client.call(ECHO, v);
      System.out.println("rtt us " + (System.nanoTime() - t) / 20000 / 1000.0);
    }
  }
}
