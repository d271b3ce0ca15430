package dev.transferd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Using the ttrpc library" example, as written there (imports included), so that it
 * keeps compiling and doing what the README says.
 */
class ReadmeTtrpcExampleTest {
  @TempDir Path dir;

  @Test
  void theReadmeExampleEchoesAndReturnsAnErrorStatus() throws Exception {
    Path socket = dir.resolve("app.sock");
    // --- from the README ---
    MethodDescriptor<BytesValue, BytesValue> echo =
        MethodDescriptor.unary("pkg.Echo", "Echo", BytesValue.parser(), BytesValue.parser());

    TtrpcServer server =
        TtrpcServer.builder()
            .addService(
                ServiceDefinition.builder("pkg.Echo")
                    .unary(
                        echo,
                        (ctx, req) -> {
                          if (req.getValue().isEmpty()) {
                            // the client gets this code and message
                            throw new TtrpcException(StatusCode.INVALID_ARGUMENT, "empty request");
                          }
                          return req;
                        })
                    .build())
            .build()
            .start(socket); // mode 0660, same-user peers by default

    try (TtrpcClient client = TtrpcClient.connect(socket)) {
      BytesValue request = BytesValue.of(ByteString.copyFromUtf8("hello"));
      BytesValue reply =
          client.call(
              echo,
              request,
              CallOptions.DEFAULT
                  .withTimeout(Duration.ofSeconds(2))
                  .withMetadata("trace-id", "abc"));
      // --- end ---
      assertEquals("hello", reply.getValue().toStringUtf8());
      try {
        client.call(echo, BytesValue.getDefaultInstance(), CallOptions.DEFAULT);
        throw new AssertionError("an empty request must fail");
      } catch (TtrpcException e) {
        assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
        assertEquals("empty request", e.status().message());
      }
    } finally {
      server.close();
    }
  }
}
