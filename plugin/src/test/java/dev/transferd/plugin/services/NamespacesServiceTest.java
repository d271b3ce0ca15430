package dev.transferd.plugin.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.proto.namespaces.v1.CreateNamespaceRequest;
import dev.transferd.proto.namespaces.v1.DeleteNamespaceRequest;
import dev.transferd.proto.namespaces.v1.GetNamespaceRequest;
import dev.transferd.proto.namespaces.v1.ListNamespacesRequest;
import dev.transferd.proto.namespaces.v1.Namespace;
import dev.transferd.proto.namespaces.v1.UpdateNamespaceRequest;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** containerd's Namespaces service over a real unix socket. */
class NamespacesServiceTest {
  @TempDir Path root;
  EmbeddedStore store;
  StreamingFixture server;
  TtrpcClient client;

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
    client = server.client;
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    store.close();
  }

  private static TtrpcException assertStatus(StatusCode code, Executable call) {
    TtrpcException e = assertThrows(TtrpcException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  private Namespace get(String name) {
    return client
        .call(
            NamespacesService.GET,
            GetNamespaceRequest.newBuilder().setName(name).build(),
            CallOptions.DEFAULT)
        .getNamespace();
  }

  private void create(String name, Map<String, String> labels) {
    client.call(
        NamespacesService.CREATE,
        CreateNamespaceRequest.newBuilder()
            .setNamespace(Namespace.newBuilder().setName(name).putAllLabels(labels))
            .build(),
        CallOptions.DEFAULT);
  }

  private Namespace update(String name, Map<String, String> labels, String... paths) {
    return client
        .call(
            NamespacesService.UPDATE,
            UpdateNamespaceRequest.newBuilder()
                .setNamespace(Namespace.newBuilder().setName(name).putAllLabels(labels))
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths)))
                .build(),
            CallOptions.DEFAULT)
        .getNamespace();
  }

  private void delete(String name) {
    client.call(
        NamespacesService.DELETE,
        DeleteNamespaceRequest.newBuilder().setName(name).build(),
        CallOptions.DEFAULT);
  }

  @Test
  void namespacesAreCreatedListedLabelledAndDeleted() {
    create("team-a", Map.of("containerd.io/namespace.shareable", "true", "owner", "a"));
    create("team-b", Map.of());
    assertEquals(
        Map.of("containerd.io/namespace.shareable", "true", "owner", "a"),
        get("team-a").getLabelsMap());
    assertEquals(
        List.of("team-a", "team-b"),
        client
            .call(
                NamespacesService.LIST,
                ListNamespacesRequest.getDefaultInstance(),
                CallOptions.DEFAULT)
            .getNamespacesList()
            .stream()
            .map(Namespace::getName)
            .toList());
    assertStatus(StatusCode.ALREADY_EXISTS, () -> create("team-a", Map.of()));

    // one label by path: set one, remove one (absent from the request)
    assertEquals(
        Map.of("containerd.io/namespace.shareable", "true", "tier", "gold"),
        update("team-a", Map.of("tier", "gold"), "labels.tier", "labels.owner").getLabelsMap());
    // no mask: exactly the request's labels
    assertEquals(Map.of("x", "1"), update("team-a", Map.of("x", "1")).getLabelsMap());
    assertEquals(Map.of("x", "1"), get("team-a").getLabelsMap());
    TtrpcException bad =
        assertStatus(StatusCode.INVALID_ARGUMENT, () -> update("team-a", Map.of(), "name"));
    assertTrue(bad.getMessage().contains("\"name\""), bad.getMessage());

    delete("team-b");
    assertStatus(StatusCode.NOT_FOUND, () -> delete("team-b"));
    assertEquals(Map.of(), get("team-b").getLabelsMap(), "an unknown namespace has no labels");
    assertStatus(StatusCode.INVALID_ARGUMENT, () -> create("not a name!", Map.of()));
  }

  @Test
  void aNamespaceThatHoldsSomethingCannotBeDeleted() throws IOException {
    byte[] data = "kept".getBytes(StandardCharsets.UTF_8);
    try (ContentWriter w = store.content().writer(WriteRequest.of("busy", "r"))) {
      w.write(data);
      w.commit(data.length, ContentStoreContract.sha256(data), Map.of());
    }
    try (ContentWriter w = store.content().writer(WriteRequest.of("busy", "partial"))) {
      w.write(data);
    }
    TtrpcException e = assertStatus(StatusCode.FAILED_PRECONDITION, () -> delete("busy"));
    assertEquals(
        "namespace \"busy\" must be empty, but it still has blobs, ingests", e.status().message());

    store.content().delete("busy", ContentStoreContract.sha256(data));
    store.content().abort("busy", "partial");
    delete("busy");
    assertStatus(StatusCode.NOT_FOUND, () -> delete("busy"));
  }
}
