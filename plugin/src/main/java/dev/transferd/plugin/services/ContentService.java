package dev.transferd.plugin.services;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.proto.content.v1.AbortRequest;
import dev.transferd.proto.content.v1.DeleteContentRequest;
import dev.transferd.proto.content.v1.InfoRequest;
import dev.transferd.proto.content.v1.InfoResponse;
import dev.transferd.proto.content.v1.ListContentRequest;
import dev.transferd.proto.content.v1.ListContentResponse;
import dev.transferd.proto.content.v1.ListStatusesRequest;
import dev.transferd.proto.content.v1.ListStatusesResponse;
import dev.transferd.proto.content.v1.ReadContentRequest;
import dev.transferd.proto.content.v1.ReadContentResponse;
import dev.transferd.proto.content.v1.StatusRequest;
import dev.transferd.proto.content.v1.StatusResponse;
import dev.transferd.proto.content.v1.UpdateRequest;
import dev.transferd.proto.content.v1.UpdateResponse;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.content.v1.WriteContentResponse;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import java.io.InputStream;
import java.util.List;

/**
 * containerd's {@code containerd.services.content.v1.Content} over the content store. Read and List
 * stream their answers in bounded messages (1 MiB of data, 100 infos), so a blob never sits in
 * memory whole; Write follows containerd's session protocol (see {@link #write}).
 */
public final class ContentService {
  public static final String SERVICE = "containerd.services.content.v1.Content";
  public static final MethodDescriptor<InfoRequest, InfoResponse> INFO =
      MethodDescriptor.unary(SERVICE, "Info", InfoRequest.parser(), InfoResponse.parser());
  public static final MethodDescriptor<UpdateRequest, UpdateResponse> UPDATE =
      MethodDescriptor.unary(SERVICE, "Update", UpdateRequest.parser(), UpdateResponse.parser());
  public static final MethodDescriptor<ListContentRequest, ListContentResponse> LIST =
      MethodDescriptor.serverStreaming(
          SERVICE, "List", ListContentRequest.parser(), ListContentResponse.parser());
  public static final MethodDescriptor<DeleteContentRequest, Empty> DELETE =
      MethodDescriptor.unary(SERVICE, "Delete", DeleteContentRequest.parser(), Empty.parser());
  public static final MethodDescriptor<ReadContentRequest, ReadContentResponse> READ =
      MethodDescriptor.serverStreaming(
          SERVICE, "Read", ReadContentRequest.parser(), ReadContentResponse.parser());
  public static final MethodDescriptor<StatusRequest, StatusResponse> STATUS =
      MethodDescriptor.unary(SERVICE, "Status", StatusRequest.parser(), StatusResponse.parser());
  public static final MethodDescriptor<ListStatusesRequest, ListStatusesResponse> LIST_STATUSES =
      MethodDescriptor.unary(
          SERVICE, "ListStatuses", ListStatusesRequest.parser(), ListStatusesResponse.parser());
  public static final MethodDescriptor<WriteContentRequest, WriteContentResponse> WRITE =
      MethodDescriptor.bidiStreaming(
          SERVICE, "Write", WriteContentRequest.parser(), WriteContentResponse.parser());
  public static final MethodDescriptor<AbortRequest, Empty> ABORT =
      MethodDescriptor.unary(SERVICE, "Abort", AbortRequest.parser(), Empty.parser());

  /** Bytes per Read message: containerd's read buffer, well under ttrpc's 4 MiB frame limit. */
  static final int READ_CHUNK = 1 << 20;

  /** Infos per List message. */
  static final int LIST_BATCH = 100;

  private final Store store;

  private ContentService(Store store) {
    this.store = store;
  }

  public static ServiceDefinition definition(Store store) {
    ContentService s = new ContentService(store);
    return ServiceDefinition.builder(SERVICE).unary(INFO, s::info).unary(UPDATE, s::update).stream(
            LIST, s::list)
        .unary(DELETE, s::delete)
        .stream(READ, s::read)
        .unary(STATUS, s::status)
        .unary(LIST_STATUSES, s::listStatuses)
        .stream(WRITE, s::write)
        .unary(ABORT, s::abort)
        .build();
  }

  private InfoResponse info(CallContext call, InfoRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ContentInfo info = existing(ns, req.getDigest());
          return InfoResponse.newBuilder().setInfo(ProtoRecords.info(info)).build();
        });
  }

  private UpdateResponse update(CallContext call, UpdateRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ContentInfo info =
              store
                  .content()
                  .update(
                      ns,
                      req.getInfo().getDigest(),
                      req.getInfo().getLabelsMap(),
                      req.getUpdateMask().getPathsList());
          return UpdateResponse.newBuilder().setInfo(ProtoRecords.info(info)).build();
        });
  }

  private ListContentResponse list(
      CallContext call, ServerStream<ListContentRequest, ListContentResponse> stream) {
    String ns = RequestScope.of(call).namespace();
    ListContentRequest req = stream.receive();
    List<ContentInfo> infos =
        StoreErrors.mapped(() -> store.content().list(ns, req.getFiltersList()));
    ListContentResponse.Builder batch = ListContentResponse.newBuilder();
    for (ContentInfo info : infos) {
      batch.addInfo(ProtoRecords.info(info));
      if (batch.getInfoCount() == LIST_BATCH) {
        stream.send(batch.build());
        batch = ListContentResponse.newBuilder();
      }
    }
    if (batch.getInfoCount() > 0) {
      stream.send(batch.build());
    }
    return null;
  }

  private Empty delete(CallContext call, DeleteContentRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          store.content().delete(ns, req.getDigest());
          return Empty.getDefaultInstance();
        });
  }

  /** Streams {@code size} bytes (0: to the end) from {@code offset} in 1 MiB messages. */
  private ReadContentResponse read(
      CallContext call, ServerStream<ReadContentRequest, ReadContentResponse> stream) {
    String ns = RequestScope.of(call).namespace();
    ReadContentRequest req = stream.receive();
    return StoreErrors.mapped(
        () -> {
          if (req.getOffset() < 0 || req.getSize() < 0) {
            throw StoreException.invalidArgument(
                "read of " + req.getDigest() + ": offset and size must not be negative");
          }
          ContentInfo info = existing(ns, req.getDigest());
          long end =
              req.getSize() == 0
                  ? info.size()
                  : Math.min(info.size(), req.getOffset() + req.getSize());
          long offset = req.getOffset();
          try (InputStream in = store.content().read(ns, req.getDigest(), offset)) {
            byte[] buf = new byte[(int) Math.min(READ_CHUNK, Math.max(end - offset, 1))];
            while (offset < end) {
              int want = (int) Math.min(buf.length, end - offset);
              int n = in.readNBytes(buf, 0, want);
              if (n <= 0) {
                throw new StoreException(
                    StatusCode.DATA_LOSS,
                    "content " + req.getDigest() + " ended at " + offset + " of " + end);
              }
              stream.send(
                  ReadContentResponse.newBuilder()
                      .setOffset(offset)
                      .setData(ByteString.copyFrom(buf, 0, n))
                      .build());
              offset += n;
            }
          }
          return null;
        });
  }

  private StatusResponse status(CallContext call, StatusRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          IngestStatus s =
              store
                  .content()
                  .status(ns, req.getRef())
                  .orElseThrow(
                      () ->
                          StoreException.notFound(
                              "ingest ref \"" + req.getRef() + "\" not found in namespace " + ns));
          return StatusResponse.newBuilder().setStatus(ProtoRecords.status(s)).build();
        });
  }

  private ListStatusesResponse listStatuses(CallContext call, ListStatusesRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ListStatusesResponse.Builder out = ListStatusesResponse.newBuilder();
          for (IngestStatus s : store.content().listStatuses(ns, req.getFiltersList())) {
            out.addStatuses(ProtoRecords.status(s));
          }
          return out.build();
        });
  }

  private Empty abort(CallContext call, AbortRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          store.content().abort(ns, req.getRef());
          return Empty.getDefaultInstance();
        });
  }

  /**
   * containerd's write session: the first message names the ref (and may declare total and expected
   * digest), which opens, and locks, the ingest for the whole call. Each message is answered with
   * one response carrying the ingest's offset: STAT reports, WRITE appends (at the current offset,
   * or restarts the ingest when the client writes at 0), COMMIT appends and commits with the size,
   * digest and labels declared so far. An expected digest the namespace already has aborts the
   * ingest with ALREADY_EXISTS. The call ends after a COMMIT's answer, or when the client closes
   * its side; a failed commit ends it with the error and keeps the ingest for a new call to
   * continue.
   */
  private WriteContentResponse write(
      CallContext call, ServerStream<WriteContentRequest, WriteContentResponse> stream) {
    RequestScope scope = RequestScope.of(call);
    WriteContentRequest req = stream.receive();
    if (req == null) {
      return null;
    }
    WriteContentRequest first = req;
    return StoreErrors.mapped(
        () -> {
          if (first.getRef().isEmpty()) {
            throw StoreException.invalidArgument("first message must have a reference");
          }
          String ref = first.getRef();
          long total = first.getTotal();
          String expected = first.getExpected().isEmpty() ? null : first.getExpected();
          WriteRequest open =
              new WriteRequest(
                  scope.namespace(), ref, total > 0 ? total : -1, expected, scope.lease());
          try (ContentWriter writer = store.content().writer(open)) {
            WriteContentRequest msg = first;
            while (msg != null) {
              WriteContentResponse.Builder out =
                  WriteContentResponse.newBuilder()
                      .setAction(msg.getAction())
                      .setOffset(writer.offset());
              if (!msg.getExpected().isEmpty()) {
                expected = msg.getExpected();
                if (store.content().info(scope.namespace(), expected).isPresent()) {
                  // Abort while this call still holds the ref, so a writer waiting for the ref
                  // never has its new upload removed by this one's abort.
                  abortQuietly(scope.namespace(), ref);
                  writer.close();
                  throw StoreException.alreadyExists(
                      "blob with expected digest " + expected + " exists");
                }
              }
              if (msg.getTotal() > 0) {
                total = msg.getTotal();
              }
              switch (msg.getAction()) {
                case STAT -> {
                  IngestStatus s = writer.status();
                  out.setDigest(writer.digest())
                      .setStartedAt(ProtoRecords.timestamp(s.startedAt()))
                      .setUpdatedAt(ProtoRecords.timestamp(s.updatedAt()))
                      .setTotal(total);
                }
                case WRITE, COMMIT -> {
                  if (msg.getOffset() > 0 && msg.getOffset() != writer.offset()) {
                    throw new StoreException(
                        StatusCode.OUT_OF_RANGE,
                        "write @"
                            + msg.getOffset()
                            + " must occur at current offset "
                            + writer.offset()
                            + " of ingest ref \""
                            + ref
                            + "\"");
                  }
                  if (msg.getOffset() == 0 && writer.offset() > 0) {
                    writer.truncate(0);
                  }
                  if (!msg.getData().isEmpty()) {
                    msg.getData().writeTo(writer);
                  }
                  out.setOffset(writer.offset());
                  if (msg.getAction() == WriteAction.COMMIT) {
                    writer.commit(total, expected, msg.getLabelsMap());
                  }
                  out.setDigest(writer.digest());
                }
                default ->
                    throw StoreException.invalidArgument(
                        "unknown write action " + msg.getActionValue() + " on ref \"" + ref + "\"");
              }
              stream.send(out.build());
              if (msg.getAction() == WriteAction.COMMIT) {
                // As containerd's service: the call ends with its commit, whatever follows.
                return null;
              }
              msg = stream.receive();
            }
          }
          return null;
        });
  }

  /** Removes the call's upload; a shared writer that never wrote has none, which is fine. */
  private void abortQuietly(String ns, String ref) throws java.io.IOException {
    try {
      store.content().abort(ns, ref);
    } catch (StoreException e) {
      if (e.code() != StatusCode.NOT_FOUND) {
        throw e;
      }
    }
  }

  /** The info of {@code digest} in {@code ns}; NOT_FOUND, naming both, if it is not there. */
  private ContentInfo existing(String ns, String digest) {
    return store
        .content()
        .info(ns, digest)
        .orElseThrow(
            () -> StoreException.notFound("content " + digest + " not found in namespace " + ns));
  }
}
