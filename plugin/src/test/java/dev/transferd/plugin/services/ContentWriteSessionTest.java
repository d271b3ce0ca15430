package dev.transferd.plugin.services;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.ServiceDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write calls over a real unix socket, timed as containerd's clients time them. */
class ContentWriteSessionTest {
  private static final CallOptions NS =
      CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default");

  @TempDir Path root;
  EmbeddedStore store;
  StreamingFixture server;

  @BeforeEach
  void start() throws IOException {
    store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO));
    server =
        StreamingFixture.start(
            StoreServices.definitions(store, "test-uuid").toArray(new ServiceDefinition[0]));
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    store.close();
  }

  /**
   * containerd's client closes a Write call by closing its side and opens the next call on the same
   * ref at once, before the server has ended the first: the ref is still held for a moment, and the
   * new call must wait for it rather than fail UNAVAILABLE. Thirty handovers in a row.
   */
  @Test
  void aRefFreedByAClosingCallIsTakenByTheNextCall() {
    String ref = "handover";
    long offset = 0;
    for (int i = 0; i < 30; i++) {
      ClientStream<WriteContentRequest, WriteContentResponse> s =
          server.client.openStream(ContentService.WRITE, NS);
      s.send(WriteContentRequest.newBuilder().setAction(WriteAction.STAT).setRef(ref).build());
      assertEquals(offset, s.receive().getOffset(), "call " + i + " resumes where the last ended");
      s.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.WRITE)
              .setOffset(offset)
              .setData(ByteString.copyFromUtf8("x"))
              .build());
      offset = s.receive().getOffset();
      s.closeSend(); // and on at once, as containerd's remote writer does
    }
    assertEquals(30, offset);
  }
}
