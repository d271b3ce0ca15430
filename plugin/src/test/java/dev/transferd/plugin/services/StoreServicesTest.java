package dev.transferd.plugin.services;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.embedded.EmbeddedStore;
import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.proto.content.v1.AbortRequest;
import dev.transferd.proto.content.v1.DeleteContentRequest;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.proto.content.v1.ListContentRequest;
import dev.transferd.proto.content.v1.ListContentResponse;
import dev.transferd.proto.content.v1.ListStatusesRequest;
import dev.transferd.proto.content.v1.ReadContentRequest;
import dev.transferd.proto.content.v1.ReadContentResponse;
import dev.transferd.proto.content.v1.StatusRequest;
import dev.transferd.proto.content.v1.UpdateRequest;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import dev.transferd.proto.images.v1.CreateImageRequest;
import dev.transferd.proto.images.v1.DeleteImageRequest;
import dev.transferd.proto.images.v1.GetImageRequest;
import dev.transferd.proto.images.v1.Image;
import dev.transferd.proto.images.v1.ListImagesRequest;
import dev.transferd.proto.images.v1.UpdateImageRequest;
import dev.transferd.proto.introspection.v1.PluginsRequest;
import dev.transferd.proto.leases.v1.AddResourceRequest;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.proto.leases.v1.DeleteRequest;
import dev.transferd.proto.leases.v1.ListRequest;
import dev.transferd.proto.leases.v1.ListResourcesRequest;
import dev.transferd.proto.leases.v1.Resource;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.Metadata;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The four containerd services over a real unix socket, driven by the Java ttrpc client. */
class StoreServicesTest {
  private static final CallOptions NS =
      CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default");

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

  /** Writes a blob the way containerd's remote content writer does, in 64 KiB messages. */
  private WriteContentResponse writeBlob(String ref, byte[] data, CallOptions options) {
    String digest = ContentStoreContract.sha256(data);
    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, options)) {
      s.send(WriteContentRequest.newBuilder().setAction(WriteAction.STAT).setRef(ref).build());
      WriteContentResponse stat = s.receive();
      assertEquals(0, stat.getOffset());
      int chunk = 64 << 10;
      long offset = 0;
      for (int i = 0; i < data.length; i += chunk) {
        int n = Math.min(chunk, data.length - i);
        boolean last = i + n == data.length;
        WriteContentRequest.Builder b =
            WriteContentRequest.newBuilder()
                .setAction(last ? WriteAction.COMMIT : WriteAction.WRITE)
                .setRef(ref)
                .setOffset(offset)
                .setData(ByteString.copyFrom(data, i, n));
        if (last) {
          b.setTotal(data.length).setExpected(digest).putLabels("source", "test");
        }
        s.send(b.build());
        WriteContentResponse r = s.receive();
        offset += n;
        assertEquals(offset, r.getOffset());
        if (last) {
          s.closeSend();
          assertNull(s.receive());
          return r;
        }
      }
      throw new AssertionError("empty blob");
    }
  }

  @Test
  void contentIsWrittenReadListedAndDeletedOverTheSocket() {
    // Over 1 MiB, so reads go through the store's O_DIRECT path, with unaligned offsets.
    byte[] data = new byte[3_000_001];
    new Random(1).nextBytes(data);
    String digest = ContentStoreContract.sha256(data);
    WriteContentResponse committed = writeBlob("layer-" + digest, data, NS);
    assertEquals(digest, committed.getDigest());

    Info info =
        client
            .call(ContentService.INFO, InfoRequest.newBuilder().setDigest(digest).build(), NS)
            .getInfo();
    assertEquals(data.length, info.getSize());
    assertEquals("test", info.getLabelsMap().get("source"));

    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    try (ClientStream<ReadContentRequest, ReadContentResponse> s =
        client.openStream(
            ContentService.READ, ReadContentRequest.newBuilder().setDigest(digest).build(), NS)) {
      ReadContentResponse r;
      while ((r = s.receive()) != null) {
        assertEquals(whole.size(), r.getOffset());
        r.getData().writeTo(whole);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertArrayEquals(data, whole.toByteArray());

    try (ClientStream<ReadContentRequest, ReadContentResponse> s =
        client.openStream(
            ContentService.READ,
            ReadContentRequest.newBuilder().setDigest(digest).setOffset(1000).setSize(10).build(),
            NS)) {
      ReadContentResponse r = s.receive();
      assertEquals(1000, r.getOffset());
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 1010), r.getData().toByteArray());
      assertNull(s.receive());
    }

    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    try (ClientStream<ReadContentRequest, ReadContentResponse> s =
        client.openStream(
            ContentService.READ,
            ReadContentRequest.newBuilder().setDigest(digest).setOffset(1_048_577).build(),
            NS)) {
      ReadContentResponse r;
      while ((r = s.receive()) != null) {
        assertEquals(1_048_577 + tail.size(), r.getOffset());
        r.getData().writeTo(tail);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 1_048_577, data.length), tail.toByteArray());

    client.call(
        ContentService.UPDATE,
        UpdateRequest.newBuilder()
            .setInfo(Info.newBuilder().setDigest(digest).putLabels("containerd.io/gc.root", "x"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("labels.containerd.io/gc.root"))
            .build(),
        NS);
    List<Info> listed = list(List.of("labels.\"containerd.io/gc.root\""));
    assertEquals(1, listed.size());
    assertEquals(digest, listed.getFirst().getDigest());

    client.call(
        ContentService.DELETE, DeleteContentRequest.newBuilder().setDigest(digest).build(), NS);
    assertStatus(
        StatusCode.NOT_FOUND,
        () ->
            client.call(
                ContentService.INFO, InfoRequest.newBuilder().setDigest(digest).build(), NS));
    assertEquals(List.of(), list(List.of()));
  }

  private List<Info> list(List<String> filters) {
    try (ClientStream<ListContentRequest, ListContentResponse> s =
        client.openStream(
            ContentService.LIST,
            ListContentRequest.newBuilder().addAllFilters(filters).build(),
            NS)) {
      List<Info> out = new java.util.ArrayList<>();
      ListContentResponse r;
      while ((r = s.receive()) != null) {
        out.addAll(r.getInfoList());
      }
      return out;
    }
  }

  @Test
  void aWrongDigestFailsTheCommitAndPartialIngestsCanBeInspectedAndAborted() {
    byte[] data = "some bytes".getBytes(StandardCharsets.UTF_8);
    String wrong = ContentStoreContract.sha256("other".getBytes(StandardCharsets.UTF_8));
    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, NS)) {
      s.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.COMMIT)
              .setRef("bad")
              .setTotal(data.length)
              .setExpected(wrong)
              .setData(ByteString.copyFrom(data))
              .build());
      TtrpcException e = assertStatus(StatusCode.FAILED_PRECONDITION, s::receive);
      assertTrue(e.getMessage().contains(wrong), e.getMessage());
    }

    try (ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, NS)) {
      s.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.WRITE)
              .setRef("partial")
              .setTotal(100)
              .setData(ByteString.copyFrom(data))
              .build());
      assertEquals(data.length, s.receive().getOffset());
      s.closeSend();
      assertNull(s.receive());
    }
    var status =
        client
            .call(ContentService.STATUS, StatusRequest.newBuilder().setRef("partial").build(), NS)
            .getStatus();
    assertEquals(data.length, status.getOffset());
    assertEquals(100, status.getTotal());
    assertEquals(
        1,
        client
            .call(
                ContentService.LIST_STATUSES,
                ListStatusesRequest.newBuilder().addFilters("ref==partial").build(),
                NS)
            .getStatusesCount());
    client.call(ContentService.ABORT, AbortRequest.newBuilder().setRef("partial").build(), NS);
    assertStatus(
        StatusCode.NOT_FOUND,
        () ->
            client.call(
                ContentService.STATUS, StatusRequest.newBuilder().setRef("partial").build(), NS));
  }

  @Test
  void imagesAreCreatedListedUpdatedAndDeleted() {
    Descriptor target =
        Descriptor.newBuilder()
            .setMediaType("application/vnd.oci.image.manifest.v1+json")
            .setDigest(ContentStoreContract.sha256(new byte[] {1}))
            .setSize(1)
            .build();
    Image image = Image.newBuilder().setName("docker.io/library/app:1").setTarget(target).build();
    Image created =
        client
            .call(ImagesService.CREATE, CreateImageRequest.newBuilder().setImage(image).build(), NS)
            .getImage();
    assertTrue(created.getCreatedAt().getSeconds() > 0);
    assertStatus(
        StatusCode.ALREADY_EXISTS,
        () ->
            client.call(
                ImagesService.CREATE, CreateImageRequest.newBuilder().setImage(image).build(), NS));

    client.call(
        ImagesService.UPDATE,
        UpdateImageRequest.newBuilder()
            .setImage(image.toBuilder().putLabels("env", "prod"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("labels.env"))
            .build(),
        NS);
    assertEquals(
        "prod",
        client
            .call(
                ImagesService.GET,
                GetImageRequest.newBuilder().setName("docker.io/library/app:1").build(),
                NS)
            .getImage()
            .getLabelsMap()
            .get("env"));
    assertEquals(
        1,
        client
            .call(
                ImagesService.LIST,
                ListImagesRequest.newBuilder().addFilters("labels.env==prod").build(),
                NS)
            .getImagesCount());
    assertEquals(
        0,
        client
            .call(
                ImagesService.LIST,
                ListImagesRequest.newBuilder().build(),
                CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "other"))
            .getImagesCount());

    Descriptor other =
        target.toBuilder().setDigest(ContentStoreContract.sha256(new byte[] {2})).build();
    assertStatus(
        StatusCode.FAILED_PRECONDITION,
        () ->
            client.call(
                ImagesService.DELETE,
                DeleteImageRequest.newBuilder()
                    .setName("docker.io/library/app:1")
                    .setTarget(other)
                    .build(),
                NS));
    client.call(
        ImagesService.DELETE,
        DeleteImageRequest.newBuilder().setName("docker.io/library/app:1").setSync(true).build(),
        NS);
    assertStatus(
        StatusCode.NOT_FOUND,
        () ->
            client.call(
                ImagesService.GET,
                GetImageRequest.newBuilder().setName("docker.io/library/app:1").build(),
                NS));
  }

  @Test
  void callsWithoutANamespaceAreRefusedLikeContainerd() {
    TtrpcException e =
        assertStatus(
            StatusCode.FAILED_PRECONDITION,
            () -> client.call(ImagesService.LIST, ListImagesRequest.getDefaultInstance()));
    assertTrue(e.getMessage().contains("namespace is required"), e.getMessage());
  }

  @Test
  void contentWrittenUnderALeaseIsHeldByIt() throws IOException {
    client.call(LeasesService.CREATE, CreateRequest.newBuilder().setId("pull-1").build(), NS);
    byte[] data = "leased bytes".getBytes(StandardCharsets.UTF_8);
    CallOptions leased =
        NS.withMetadata(
            Metadata.builder()
                .add(StreamingProtocol.NAMESPACE_KEY, "default")
                .add("containerd-lease", "pull-1")
                .build());
    writeBlob("leased", data, leased);
    List<Resource> resources =
        client
            .call(
                LeasesService.LIST_RESOURCES,
                ListResourcesRequest.newBuilder().setId("pull-1").build(),
                NS)
            .getResourcesList();
    assertEquals(
        List.of(
            Resource.newBuilder()
                .setId(ContentStoreContract.sha256(data))
                .setType("content")
                .build()),
        resources);
    assertEquals(0, store.collectGarbage().blobsRemoved(), "the lease keeps the blob");

    client.call(
        LeasesService.ADD_RESOURCE,
        AddResourceRequest.newBuilder()
            .setId("pull-1")
            .setResource(Resource.newBuilder().setId("x").setType("ingests"))
            .build(),
        NS);
    assertEquals(
        1,
        client
            .call(LeasesService.LIST, ListRequest.newBuilder().addFilters("id==pull-1").build(), NS)
            .getLeasesCount());
    client.call(
        LeasesService.DELETE, DeleteRequest.newBuilder().setId("pull-1").setSync(true).build(), NS);
    assertStatus(
        StatusCode.NOT_FOUND,
        () ->
            client.call(
                ContentService.INFO,
                InfoRequest.newBuilder().setDigest(ContentStoreContract.sha256(data)).build(),
                NS));
    assertStatus(
        StatusCode.NOT_FOUND,
        () ->
            client.call(
                LeasesService.DELETE, DeleteRequest.newBuilder().setId("pull-1").build(), NS));
  }

  @Test
  void introspectionNamesTheServerAndItsPlugins() {
    var server = client.call(IntrospectionService.SERVER, Empty.getDefaultInstance());
    assertEquals("test-uuid", server.getUuid());
    assertEquals(ProcessHandle.current().pid(), server.getPid());
    var grpc =
        client.call(
            IntrospectionService.PLUGINS,
            PluginsRequest.newBuilder().addFilters("type==io.containerd.grpc.v1").build());
    assertTrue(
        grpc.getPluginsList().stream().anyMatch(p -> p.getId().equals("transfer")),
        grpc.toString());
    assertTrue(
        grpc.getPluginsList().stream().allMatch(p -> p.getType().equals("io.containerd.grpc.v1")));
  }
}
