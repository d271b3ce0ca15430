package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.proto.transfer.v1.TransferOptions;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamIds;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.callback.RegistryCredentials;
import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.TtrpcException;
import dev.transferd.ttrpc.UnaryHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Transfer service's dispatch (docs/protocol/transfer.md §2.2, §8.0) and its callbacks, driven
 * by the Java client API. Besides echo, the table here has two test operations: tag-like (image
 * store to image store) reports progress; pull-like (registry to image store) asks for credentials.
 */
class TransferServiceTest {
  private static final String NS = "default";

  private StreamingFixture fixture;
  private TransferClient client;

  /** Calls as the server saw them: "Transfer" or the stream id, each with its namespace. */
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private final List<RegistryCredentials> credentialsSeen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    StreamManager manager = new StreamManager();
    OperationTable table =
        OperationTable.builder()
            .add(ImportStreamEndpoint.class, ExportStreamEndpoint.class, new EchoOperation())
            .add(
                ImageStoreEndpoint.class,
                ImageStoreEndpoint.class,
                (context, source, destination) -> {
                  for (int i = 0; i < 200; i++) {
                    context
                        .progress()
                        .report(
                            Progress.newBuilder()
                                .setEvent("tagging")
                                .setName(destination.spec().getName())
                                .setProgress(i)
                                .setTotal(200)
                                .build());
                  }
                  context.progress().report("Completed tag");
                })
            .add(
                RegistryEndpoint.class,
                ImageStoreEndpoint.class,
                (context, source, destination) -> {
                  credentialsSeen.add(
                      source
                          .credentials()
                          .orElseThrow()
                          .request("registry.example:5000", source.spec().getReference()));
                })
            .build();
    fixture =
        StreamingFixture.start(
            manager,
            List.of(new CallRecorder()),
            TransferService.definition(
                manager,
                TransferSettings.DEFAULTS.withCredentialTimeout(Duration.ofMillis(500)),
                table));
    client = TransferClient.builder(fixture.client).namespace(NS).build();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  /** Records the order of calls and their namespace metadata. */
  private final class CallRecorder implements ServerInterceptor {
    @Override
    public <Q, R> R interceptUnary(CallContext context, Q request, UnaryHandler<Q, R> next)
        throws Exception {
      calls.add("Transfer@" + StreamingProtocol.namespace(context));
      return next.handle(context, request);
    }

    @Override
    public <Q, R> R interceptStream(
        CallContext context, ServerStream<Q, R> stream, StreamHandler<Q, R> next) throws Exception {
      ServerStream<Q, R> recording =
          new ServerStream<>() {
            private boolean first = true;

            @Override
            public Q receive() {
              Q message = stream.receive();
              if (first && message instanceof Any any) {
                first = false;
                try {
                  calls.add(
                      StreamInit.parseFrom(any.getValue()).getId().replaceAll("-.*", "")
                          + "@"
                          + StreamingProtocol.namespace(context));
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              }
              return message;
            }

            @Override
            public void send(R message) {
              stream.send(message);
            }

            @Override
            public CallContext context() {
              return stream.context();
            }
          };
      return next.handle(context, recording);
    }
  }

  private TtrpcException rawTransfer(Any source, Any destination, String progressStream) {
    TransferRequest.Builder request =
        TransferRequest.newBuilder().setSource(source).setDestination(destination);
    if (progressStream != null) {
      request.setOptions(TransferOptions.newBuilder().setProgressStream(progressStream));
    }
    return assertThrows(
        TtrpcException.class,
        () ->
            fixture.client.call(
                StreamingProtocol.TRANSFER,
                request.build(),
                CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, NS)));
  }

  @Test
  void pairsWithoutAnOperationAreUnimplementedWithContainerdsMessage() {
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () -> client.transfer(StoredImage.named("a"), RegistryImage.of("localhost/a:1")));
    assertEquals(StatusCode.UNIMPLEMENTED, e.code());
    assertEquals(
        "method Transfer not implemented for containerd.types.transfer.ImageStore"
            + " to containerd.types.transfer.OCIRegistry",
        e.status().message());
  }

  @Test
  void unknownEndpointTypesAreUnimplementedNamingTheirTypeUrls() {
    Any containerPath =
        Any.newBuilder().setTypeUrl("containerd.types.transfer.ContainerPath").build();
    Any garbage =
        Any.newBuilder()
            .setTypeUrl("example.com/Nonsense")
            .setValue(ByteString.copyFromUtf8("?"))
            .build();
    TtrpcException e = rawTransfer(containerPath, garbage, null);
    assertEquals(StatusCode.UNIMPLEMENTED, e.code());
    assertEquals(
        "method Transfer not implemented for containerd.types.transfer.ContainerPath"
            + " to example.com/Nonsense",
        e.status().message());
  }

  @Test
  void anUnknownProgressStreamIsNotFoundBeforeAnyWorkStarts() throws Exception {
    AnyStream importStream = fixture.creator(NS).create(StreamIds.IMPORT);
    TtrpcException e =
        rawTransfer(
            AnyCodec.pack(ImageImportStream.newBuilder().setStream(importStream.id()).build()),
            AnyCodec.pack(ImageStore.newBuilder().setName("x").build()),
            "progress-1-none");
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("progress-1-none"), e.getMessage());
    assertThrows(
        TimeoutException.class,
        () -> importStream.receive(Duration.ofMillis(200)),
        "the import stream was never taken: no credit was granted");
  }

  @Test
  void anUnknownImportStreamIsNotFound() {
    TtrpcException e =
        rawTransfer(
            AnyCodec.pack(ImageImportStream.newBuilder().setStream("import-7-gone").build()),
            AnyCodec.pack(ImageStore.newBuilder().setName("x").build()),
            null);
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("import-7-gone"), e.getMessage());
  }

  @Test
  void aMalformedEndpointIsAnInvalidArgument() {
    Any broken =
        Any.newBuilder()
            .setTypeUrl("containerd.types.transfer.ImageStore")
            .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01}))
            .build();
    assertEquals(StatusCode.INVALID_ARGUMENT, rawTransfer(broken, broken, null).code());
  }

  @Test
  void progressEventsReachTheListenerInOrderBeforeTransferReturns() throws Exception {
    List<ProgressEvent> events = new ArrayList<>();
    client.transfer(
        StoredImage.named("a"),
        StoredImage.named("b"),
        dev.transferd.streams.client.TransferOptions.withProgress(events::add));
    assertEquals(201, events.size(), "every event, none after the call returned");
    for (int i = 0; i < 200; i++) {
      assertEquals("tagging", events.get(i).event());
      assertEquals("b", events.get(i).name());
      assertEquals(i, events.get(i).progress());
    }
    assertEquals("Completed tag", events.get(200).event());
    fixture.awaitNoStreams();
  }

  @Test
  void streamsOpenInGosOrderEachCarryingTheNamespace() throws Exception {
    client.transfer(
        ImportArchive.from(new ByteArrayInputStream(new byte[10])),
        ExportArchive.to(new ByteArrayOutputStream()),
        dev.transferd.streams.client.TransferOptions.withProgress(event -> {}));
    assertEquals(
        List.of("progress@default", "import@default", "export@default", "Transfer@default"), calls);
  }

  @Test
  void theCredentialHelperAnswersTheServersRequest() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    client.transfer(
        RegistryImage.of("registry.example:5000/app:1")
            .withCredentials(
                (reference, host) -> {
                  asked.add(reference + " at " + host);
                  return Credentials.basic("alice", "s3cret");
                }),
        StoredImage.named("app"));
    assertEquals(List.of("registry.example:5000/app:1 at registry.example:5000"), asked);
    RegistryCredentials got = credentialsSeen.getFirst();
    assertEquals(AuthType.CREDENTIALS, got.type());
    assertEquals("alice", got.username());
    assertEquals("s3cret", got.secret());
    assertEquals(List.of("creds@default", "Transfer@default"), calls);
    fixture.awaitNoStreams();
  }

  @Test
  void noCredentialsAreSentAsAnEmptyRefreshTokenLikeContainerdsClient() throws Exception {
    client.transfer(
        RegistryImage.of("registry.example:5000/app:1")
            .withCredentials((reference, host) -> Credentials.anonymous()),
        StoredImage.named("app"));
    RegistryCredentials got = credentialsSeen.getFirst();
    assertEquals(AuthType.REFRESH, got.type());
    assertTrue(got.isAnonymous());
  }

  @Test
  void aFailingCredentialHelperFailsTheTransferWithItsMessage() {
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.transfer(
                    RegistryImage.of("registry.example:5000/app:1")
                        .withCredentials(
                            (reference, host) -> {
                              throw new IOException("keychain locked");
                            }),
                    StoredImage.named("app")));
    assertEquals(StatusCode.UNAUTHENTICATED, e.code());
    assertTrue(e.getMessage().contains("keychain locked"), e.getMessage());
  }

  @Test
  void aHelperThatNeverAnswersFailsTheTransferAfterTheServersTimeout() throws Exception {
    long start = System.nanoTime();
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                client.transfer(
                    RegistryImage.of("registry.example:5000/app:1")
                        .withCredentials(
                            (reference, host) -> {
                              try {
                                Thread.sleep(60_000);
                              } catch (InterruptedException stop) {
                                Thread.currentThread().interrupt();
                              }
                              return Credentials.anonymous();
                            }),
                    StoredImage.named("app")));
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
    assertTrue(e.getMessage().contains("registry.example:5000"), e.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    fixture.awaitNoStreams();
  }

  @Test
  void aSecretNeverAppearsInCredentialsToString() {
    assertFalse(Credentials.basic("bob", "hunter2").toString().contains("hunter2"));
  }
}
