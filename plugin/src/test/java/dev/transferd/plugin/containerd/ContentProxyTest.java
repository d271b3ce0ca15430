package dev.transferd.plugin.containerd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.grpc.GrpcHandlers;
import dev.transferd.plugin.grpc.GrpcServer;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.ProxyNamespace;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.proto.content.v1.DeleteContentRequest;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.TtrpcServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Content service containerd reaches as its content proxy plugin: calls as containerd's proxy
 * makes them (no namespace) land in the proxy namespace; what containerd deletes there never
 * touches another namespace's blob; transferd's collector keeps what containerd holds; Info shares
 * a blob transferd already has instead of letting containerd copy it; ttrpc clients may only read
 * the proxy namespace.
 */
class ContentProxyTest {
  @TempDir Path dir;
  private EmbeddedStore store;
  private GrpcServer grpc;
  private GrpcContentClient containerd;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.open(dir.resolve("store"));
    var handlers = new GrpcHandlers();
    grpc =
        GrpcServer.start(
            dir.resolve("content.sock"),
            "rw-------",
            List.of(ContentProxy.grpcService(store, handlers)),
            handlers);
    containerd = GrpcContentClient.connect(grpc.address());
  }

  @AfterEach
  void stop() throws Exception {
    containerd.close();
    grpc.close();
    store.close();
  }

  @Test
  void aBlobWrittenWithoutANamespaceLandsInTheProxyNamespaceOnly() throws Exception {
    byte[] data = "layer bytes".getBytes(StandardCharsets.UTF_8);
    String digest = sha256(data);
    assertEquals(digest, containerd.write("ns/1/layer", data, digest).getDigest());
    assertTrue(store.content().info(ProxyNamespace.NAME, digest).isPresent());
    assertTrue(store.content().info("default", digest).isEmpty());
    assertEquals(List.of(digest), containerd.list());
    assertArrayEquals(data, containerd.read(digest));
  }

  @Test
  void aNamespaceHeaderLeakedIntoAProxyCallIsIgnored() throws Exception {
    byte[] data = "from CRI".getBytes(StandardCharsets.UTF_8);
    String digest = sha256(data);
    containerd.withNamespaceHeader("k8s.io").write("ref", data, digest);
    assertTrue(store.content().info(ProxyNamespace.NAME, digest).isPresent());
    assertTrue(store.content().info("k8s.io", digest).isEmpty());
  }

  @Test
  void infoSharesABlobTransferdHoldsSoContainerdNeverCopiesIt() throws Exception {
    byte[] data = "pulled by transferd".getBytes(StandardCharsets.UTF_8);
    String digest = commit("default", data, Map.of("containerd.io/gc.root", "now"));
    assertEquals(data.length, containerd.info(digest).getSize());
    assertTrue(store.content().info(ProxyNamespace.NAME, digest).isPresent());
    assertEquals(List.of(), store.content().listStatuses(ProxyNamespace.NAME, List.of()));
    assertArrayEquals(data, containerd.read(digest));
  }

  @Test
  void infoOfABlobNoNamespaceHoldsIsNotFound() throws Exception {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> containerd.info(sha256(new byte[] {1})));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void containerdDeletingABlobLeavesTransferdsOwnRecordAndBytes() throws Exception {
    byte[] data = "held by a transferd image".getBytes(StandardCharsets.UTF_8);
    String digest = commit("default", data, Map.of("containerd.io/gc.root", "now"));
    containerd.info(digest); // containerd's shared write of the same layer
    containerd.delete(digest); // containerd's collector: no containerd image references it
    store.collectGarbage();
    assertEquals(List.of(), containerd.list());
    assertTrue(store.content().info("default", digest).isPresent());
    try (var in = store.content().read("default", digest, 0)) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void containerdNeverSeesNorAbortsAnIngestOfTransferds() throws Exception {
    try (ContentWriter w = store.content().writer(WriteRequest.of("default", "layer-1"))) {
      w.write("half a layer".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(List.of(), containerd.ingestRefs()); // containerd's collector aborts what it lists
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> containerd.abort("layer-1"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals(12, store.content().status("default", "layer-1").orElseThrow().offset());
  }

  @Test
  void transferdsCollectorKeepsEveryBlobContainerdHolds() throws Exception {
    byte[] data = "referenced only by containerd".getBytes(StandardCharsets.UTF_8);
    String digest = sha256(data);
    containerd.write("ref", data, digest);
    byte[] shared = "shared, then dropped by transferd".getBytes(StandardCharsets.UTF_8);
    String sharedDigest = commit("default", shared, Map.of());
    containerd.info(sharedDigest);
    store.collectGarbage(); // "default" holds sharedDigest by no image: its record goes
    assertTrue(store.content().info("default", sharedDigest).isEmpty());
    assertArrayEquals(data, containerd.read(digest));
    assertArrayEquals(shared, containerd.read(sharedDigest));
  }

  @Test
  void ttrpcClientsMayReadTheProxyNamespaceButNotChangeIt() throws Exception {
    byte[] data = "containerd's".getBytes(StandardCharsets.UTF_8);
    String digest = sha256(data);
    containerd.write("ref", data, digest);
    TtrpcServer ttrpc =
        TtrpcServer.builder()
            .interceptor(new ProxyNamespaceGuard())
            .addService(ContentService.definition(store))
            .build()
            .start(dir.resolve("ttrpc.sock"));
    CallOptions proxy =
        CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, ProxyNamespace.NAME);
    try (TtrpcClient client = TtrpcClient.connect(ttrpc.address())) {
      assertEquals(
          data.length,
          client
              .call(ContentService.INFO, InfoRequest.newBuilder().setDigest(digest).build(), proxy)
              .getInfo()
              .getSize());
      TtrpcException e =
          assertThrows(
              TtrpcException.class,
              () ->
                  client.call(
                      ContentService.DELETE,
                      DeleteContentRequest.newBuilder().setDigest(digest).build(),
                      proxy));
      assertEquals(StatusCode.PERMISSION_DENIED, e.code());
      assertEquals(
          "namespace containerd-proxy holds containerd's content and is read-only here:"
              + " /containerd.services.content.v1.Content/Delete is not allowed in it",
          e.status().message());
    } finally {
      ttrpc.close();
    }
    assertTrue(store.content().info(ProxyNamespace.NAME, digest).isPresent());
  }

  @Test
  void theSocketIsOnlyForItsOwner() throws Exception {
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(grpc.address())));
  }

  private String commit(String namespace, byte[] data, Map<String, String> labels)
      throws Exception {
    String digest = sha256(data);
    try (ContentWriter w =
        store
            .content()
            .writer(WriteRequest.of(namespace, "w-" + digest).expecting(data.length, digest))) {
      w.write(data);
      w.commit(data.length, digest, labels);
    }
    return digest;
  }

  static String sha256(byte[] data) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
