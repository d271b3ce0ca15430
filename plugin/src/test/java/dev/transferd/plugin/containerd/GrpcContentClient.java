package dev.transferd.plugin.containerd;

import com.google.protobuf.ByteString;
import dev.transferd.plugin.grpc.GrpcTestChannel;
import dev.transferd.plugin.services.ContentService;
import dev.transferd.proto.content.v1.AbortRequest;
import dev.transferd.proto.content.v1.DeleteContentRequest;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.proto.content.v1.ListContentRequest;
import dev.transferd.proto.content.v1.ListStatusesRequest;
import dev.transferd.proto.content.v1.ReadContentRequest;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Calls the gRPC Content service the way containerd's content proxy does ({@code content/proxy}):
 * no namespace unless one is given, Write as Stat, Write, Commit on one stream.
 */
final class GrpcContentClient implements AutoCloseable {
  private final GrpcTestChannel connection;
  private final Channel channel;

  private GrpcContentClient(GrpcTestChannel connection, Channel channel) {
    this.connection = connection;
    this.channel = channel;
  }

  static GrpcContentClient connect(Path socket) {
    GrpcTestChannel c = GrpcTestChannel.connect(socket);
    return new GrpcContentClient(c, c.channel());
  }

  /** The same connection, with containerd's gRPC namespace header on every call. */
  GrpcContentClient withNamespaceHeader(String namespace) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
    return new GrpcContentClient(
        connection,
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)));
  }

  Info info(String digest) throws Exception {
    return ClientCalls.blockingUnaryCall(
            channel,
            GrpcTestChannel.method(ContentService.INFO),
            CallOptions.DEFAULT,
            InfoRequest.newBuilder().setDigest(digest).build())
        .getInfo();
  }

  List<String> list() throws Exception {
    List<String> digests = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(
            channel,
            GrpcTestChannel.method(ContentService.LIST),
            CallOptions.DEFAULT,
            ListContentRequest.getDefaultInstance())
        .forEachRemaining(r -> r.getInfoList().forEach(i -> digests.add(i.getDigest())));
    return digests;
  }

  void delete(String digest) throws Exception {
    ClientCalls.blockingUnaryCall(
        channel,
        GrpcTestChannel.method(ContentService.DELETE),
        CallOptions.DEFAULT,
        DeleteContentRequest.newBuilder().setDigest(digest).build());
  }

  void abort(String ref) throws Exception {
    ClientCalls.blockingUnaryCall(
        channel,
        GrpcTestChannel.method(ContentService.ABORT),
        CallOptions.DEFAULT,
        AbortRequest.newBuilder().setRef(ref).build());
  }

  List<String> ingestRefs() throws Exception {
    List<String> refs = new ArrayList<>();
    ClientCalls.blockingUnaryCall(
            channel,
            GrpcTestChannel.method(ContentService.LIST_STATUSES),
            CallOptions.DEFAULT,
            ListStatusesRequest.getDefaultInstance())
        .getStatusesList()
        .forEach(st -> refs.add(st.getRef()));
    return refs;
  }

  byte[] read(String digest) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ClientCalls.blockingServerStreamingCall(
            channel,
            GrpcTestChannel.method(ContentService.READ),
            CallOptions.DEFAULT,
            ReadContentRequest.newBuilder().setDigest(digest).build())
        .forEachRemaining(r -> out.writeBytes(r.getData().toByteArray()));
    return out.toByteArray();
  }

  /** containerd's remote writer: Stat (ref, total), one Write, Commit with the expected digest. */
  WriteContentResponse write(String ref, byte[] data, String expected) throws Exception {
    LinkedBlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    StreamObserver<WriteContentRequest> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(GrpcTestChannel.method(ContentService.WRITE), CallOptions.DEFAULT),
            new StreamObserver<WriteContentResponse>() {
              @Override
              public void onNext(WriteContentResponse r) {
                responses.add(r);
              }

              @Override
              public void onError(Throwable t) {
                responses.add(t);
              }

              @Override
              public void onCompleted() {}
            });
    requests.onNext(
        WriteContentRequest.newBuilder()
            .setAction(WriteAction.STAT)
            .setRef(ref)
            .setTotal(data.length)
            .build());
    next(responses);
    requests.onNext(
        WriteContentRequest.newBuilder()
            .setAction(WriteAction.WRITE)
            .setData(ByteString.copyFrom(data))
            .build());
    next(responses);
    requests.onNext(
        WriteContentRequest.newBuilder()
            .setAction(WriteAction.COMMIT)
            .setTotal(data.length)
            .setOffset(data.length)
            .setExpected(expected)
            .build());
    WriteContentResponse committed = next(responses);
    requests.onCompleted();
    return committed;
  }

  private static WriteContentResponse next(LinkedBlockingQueue<Object> responses) throws Exception {
    Object r = responses.poll(20, TimeUnit.SECONDS);
    if (r instanceof Exception e) {
      throw e;
    }
    if (r == null) {
      throw new AssertionError("no write response within 20 s");
    }
    return (WriteContentResponse) r;
  }

  @Override
  public void close() throws InterruptedException {
    connection.close();
  }
}
