package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.services.NamespacesService;
import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import dev.transferd.proto.namespaces.v1.CreateNamespaceRequest;
import dev.transferd.proto.namespaces.v1.GetNamespaceRequest;
import dev.transferd.proto.namespaces.v1.Namespace;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon serves the Namespaces service beside Content, and its content follows the configured
 * {@code content_sharing_policy}: a namespace asking for a blob another holds starts complete under
 * "shared" and empty under "isolated" (unless the holder is labelled shareable).
 */
class ContentSharingDaemonTest {
  private static final byte[] BLOB = "a blob namespace a has".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private DaemonConfig config(String policyLine) throws Exception {
    Path file = dir.resolve("transferd.toml");
    Files.writeString(
        file,
        """
        root = "%s"
        [ttrpc]
          address = "%s"
        [plugins."dev.transferd.v1.transfer"]
        %s
        """
            .formatted(dir.resolve("root"), dir.resolve("t.sock"), policyLine));
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(java.util.List.of(), ConfigFile.readOwn(file, builder));
    return builder.build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock")));
  }

  private static String digest() throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BLOB));
  }

  private static CallOptions in(String ns) {
    return CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, ns);
  }

  /** Opens a Write call in {@code ns} expecting the blob; returns the offset it starts at. */
  private static long openAt(TtrpcClient client, String ns) throws Exception {
    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, in(ns))) {
      s.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.STAT)
              .setRef("blob")
              .setTotal(BLOB.length)
              .setExpected(digest())
              .build());
      return s.receive().getOffset();
    }
  }

  private static void store(TtrpcClient client, String ns) throws Exception {
    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, in(ns))) {
      s.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.COMMIT)
              .setRef("blob")
              .setTotal(BLOB.length)
              .setExpected(digest())
              .setData(ByteString.copyFrom(BLOB))
              .build());
      assertEquals(digest(), s.receive().getDigest());
    }
  }

  @Test
  void sharedByDefault() throws Exception {
    DaemonConfig config = config("");
    assertEquals(ContentSharingPolicy.SHARED, config.contentSharing());
    try (Daemon daemon = Daemon.start(config);
        TtrpcClient client = TtrpcClient.connect(daemon.address())) {
      store(client, "team-a");
      assertEquals(BLOB.length, openAt(client, "team-b"), "b starts with a's blob complete");
    }
  }

  @Test
  void isolatedSharesOnlyFromShareableNamespaces() throws Exception {
    try (Daemon daemon = Daemon.start(config("content_sharing_policy = \"isolated\""));
        TtrpcClient client = TtrpcClient.connect(daemon.address())) {
      store(client, "team-a");
      assertEquals(0, openAt(client, "team-b"), "b must upload a's blob itself");

      client.call(
          NamespacesService.CREATE,
          CreateNamespaceRequest.newBuilder()
              .setNamespace(
                  Namespace.newBuilder()
                      .setName("public")
                      .putLabels(ContentSharingPolicy.SHAREABLE_LABEL, "true"))
              .build(),
          CallOptions.DEFAULT);
      assertEquals(
          Map.of(ContentSharingPolicy.SHAREABLE_LABEL, "true"),
          client
              .call(
                  NamespacesService.GET,
                  GetNamespaceRequest.newBuilder().setName("public").build(),
                  CallOptions.DEFAULT)
              .getNamespace()
              .getLabelsMap());
      store(client, "public");
      assertEquals(BLOB.length, openAt(client, "team-c"), "c takes the shareable namespace's");
    }
  }
}
