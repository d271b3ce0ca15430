package dev.transferd.plugin.services;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
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
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A content store reached through the Content service over ttrpc, behaving as containerd's content
 * proxy client ({@code content/proxy}) does, so the content contract runs end to end: a writer is
 * one Write call opened with a STAT that names the ref, total and expected digest; its offset and
 * digest are those the last answer carried; {@link ContentWriter#truncate} only moves the offset
 * the next WRITE is sent at; a commit sends COMMIT and then closes the call, as does {@link
 * ContentWriter#close}, without waiting for the server to finish. Errors come back as {@link
 * StoreException}s with the call's status code.
 */
final class RemoteContentStore implements ContentStore {
  /** Bytes per WRITE message: well under ttrpc's 4 MiB frame limit. */
  private static final int WRITE_CHUNK = 1 << 20;

  private final TtrpcClient client;

  RemoteContentStore(TtrpcClient client) {
    this.client = client;
  }

  static CallOptions scope(String namespace, String lease) {
    CallOptions o = CallOptions.DEFAULT;
    if (namespace != null && !namespace.isEmpty()) {
      o = o.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
    }
    if (lease != null && !lease.isEmpty()) {
      o = o.withMetadata(RequestScope.LEASE_KEY, lease);
    }
    return o;
  }

  /** Runs a call, turning its failure into the store error of the same code. */
  static <T> T remote(Supplier<T> call) {
    try {
      return call.get();
    } catch (TtrpcException e) {
      throw new StoreException(e.code(), e.status().message(), e);
    }
  }

  static ContentInfo info(Info i) {
    return new ContentInfo(
        i.getDigest(),
        i.getSize(),
        Instant.ofEpochSecond(i.getCreatedAt().getSeconds(), i.getCreatedAt().getNanos()),
        Instant.ofEpochSecond(i.getUpdatedAt().getSeconds(), i.getUpdatedAt().getNanos()),
        i.getLabelsMap());
  }

  static IngestStatus status(dev.transferd.proto.content.v1.Status s) {
    return new IngestStatus(
        s.getRef(),
        s.getOffset(),
        s.getTotal(),
        s.getExpected(),
        Instant.ofEpochSecond(s.getStartedAt().getSeconds(), s.getStartedAt().getNanos()),
        Instant.ofEpochSecond(s.getUpdatedAt().getSeconds(), s.getUpdatedAt().getNanos()));
  }

  @Override
  public Optional<ContentInfo> info(String namespace, String digest) {
    try {
      return Optional.of(
          info(
              remote(
                  () ->
                      client
                          .call(
                              ContentService.INFO,
                              InfoRequest.newBuilder().setDigest(digest).build(),
                              scope(namespace, null))
                          .getInfo())));
    } catch (StoreException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public ContentInfo update(
      String namespace, String digest, Map<String, String> labels, List<String> fieldPaths) {
    return info(
        remote(
            () ->
                client
                    .call(
                        ContentService.UPDATE,
                        UpdateRequest.newBuilder()
                            .setInfo(Info.newBuilder().setDigest(digest).putAllLabels(labels))
                            .setUpdateMask(FieldMask.newBuilder().addAllPaths(fieldPaths))
                            .build(),
                        scope(namespace, null))
                    .getInfo()));
  }

  @Override
  public List<ContentInfo> list(String namespace, List<String> filters) {
    return remote(
        () -> {
          List<ContentInfo> out = new ArrayList<>();
          try (ClientStream<ListContentRequest, ListContentResponse> s =
              client.openStream(
                  ContentService.LIST,
                  ListContentRequest.newBuilder().addAllFilters(filters).build(),
                  scope(namespace, null))) {
            ListContentResponse r;
            while ((r = s.receive()) != null) {
              r.getInfoList().forEach(i -> out.add(info(i)));
            }
          }
          return out;
        });
  }

  @Override
  public void delete(String namespace, String digest) {
    remote(
        () ->
            client.call(
                ContentService.DELETE,
                DeleteContentRequest.newBuilder().setDigest(digest).build(),
                scope(namespace, null)));
  }

  /** Opens a Read call from {@code offset}; its first answer (or error) is awaited here. */
  @Override
  public InputStream read(String namespace, String digest, long offset) {
    ClientStream<ReadContentRequest, ReadContentResponse> s =
        client.openStream(
            ContentService.READ,
            ReadContentRequest.newBuilder().setDigest(digest).setOffset(offset).build(),
            scope(namespace, null));
    ReadContentResponse first;
    try {
      first = remote(s::receive);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return new InputStream() {
      private ByteString chunk = first == null ? ByteString.EMPTY : first.getData();
      private int pos;
      private boolean ended = first == null;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        while (pos == chunk.size()) {
          if (ended) {
            return -1;
          }
          ReadContentResponse next;
          try {
            next = remote(s::receive);
          } catch (StoreException e) {
            throw new IOException(e.getMessage(), e);
          }
          if (next == null) {
            ended = true;
            return -1;
          }
          chunk = next.getData();
          pos = 0;
        }
        int n = Math.min(len, chunk.size() - pos);
        chunk.copyTo(b, pos, off, n);
        pos += n;
        return n;
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  @Override
  public ContentWriter writer(WriteRequest request) {
    ClientStream<WriteContentRequest, WriteContentResponse> s =
        client.openStream(ContentService.WRITE, scope(request.namespace(), request.lease()));
    WriteContentRequest.Builder stat =
        WriteContentRequest.newBuilder().setAction(WriteAction.STAT).setRef(request.ref());
    if (request.expectedSize() > 0) {
      stat.setTotal(request.expectedSize());
    }
    if (request.expectedDigest() != null) {
      stat.setExpected(request.expectedDigest());
    }
    WriteContentResponse negotiated;
    try {
      negotiated =
          remote(
              () -> {
                s.send(stat.build());
                return s.receive();
              });
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return new RemoteWriter(request.namespace(), request.ref(), s, negotiated.getOffset());
  }

  @Override
  public Optional<IngestStatus> status(String namespace, String ref) {
    try {
      return Optional.of(
          status(
              remote(
                  () ->
                      client
                          .call(
                              ContentService.STATUS,
                              StatusRequest.newBuilder().setRef(ref).build(),
                              scope(namespace, null))
                          .getStatus())));
    } catch (StoreException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<IngestStatus> listStatuses(String namespace, List<String> filters) {
    return remote(
        () ->
            client
                .call(
                    ContentService.LIST_STATUSES,
                    ListStatusesRequest.newBuilder().addAllFilters(filters).build(),
                    scope(namespace, null))
                .getStatusesList()
                .stream()
                .map(RemoteContentStore::status)
                .toList());
  }

  /**
   * Not a call of the Content service: over ttrpc a namespace takes a blob another one holds by
   * opening a writer that expects its digest, which the shared-content cases exercise; {@code
   * share} is what the gRPC view for containerd calls on Info, inside the daemon.
   */
  @Override
  public Optional<ContentInfo> share(String namespace, String digest) {
    throw new UnsupportedOperationException("share is not a Content service call");
  }

  @Override
  public void abort(String namespace, String ref) {
    remote(
        () ->
            client.call(
                ContentService.ABORT,
                AbortRequest.newBuilder().setRef(ref).build(),
                scope(namespace, null)));
  }

  /** One Write call, as containerd's {@code remoteWriter}. */
  private final class RemoteWriter extends ContentWriter {
    private final String namespace;
    private final String ref;
    private final ClientStream<WriteContentRequest, WriteContentResponse> stream;
    private long offset;
    private String digest = "";

    RemoteWriter(
        String namespace,
        String ref,
        ClientStream<WriteContentRequest, WriteContentResponse> stream,
        long offset) {
      this.namespace = namespace;
      this.ref = ref;
      this.stream = stream;
      this.offset = offset;
    }

    private WriteContentResponse send(WriteContentRequest req) {
      return remote(
          () -> {
            stream.send(req);
            WriteContentResponse r = stream.receive();
            if (r == null) {
              throw new TtrpcException(StatusCode.UNKNOWN, "write call ended without an answer");
            }
            if (!r.getDigest().isEmpty()) {
              digest = r.getDigest();
            }
            return r;
          });
    }

    @Override
    public long offset() {
      return offset;
    }

    @Override
    public String digest() {
      return digest;
    }

    /** A STAT; like containerd's client it reports no expected digest. */
    @Override
    public IngestStatus status() {
      WriteContentResponse r =
          send(WriteContentRequest.newBuilder().setAction(WriteAction.STAT).build());
      return new IngestStatus(
          ref,
          r.getOffset(),
          r.getTotal(),
          "",
          Instant.ofEpochSecond(r.getStartedAt().getSeconds(), r.getStartedAt().getNanos()),
          Instant.ofEpochSecond(r.getUpdatedAt().getSeconds(), r.getUpdatedAt().getNanos()));
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      int done = 0;
      do {
        int n = Math.min(WRITE_CHUNK, len - done);
        WriteContentResponse r =
            send(
                WriteContentRequest.newBuilder()
                    .setAction(WriteAction.WRITE)
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(b, off + done, n))
                    .build());
        offset = r.getOffset();
        done += n;
      } while (done < len);
    }

    @Override
    public void truncate(long size) {
      offset = size; // checked by the server at the next write, as in containerd's client
    }

    @Override
    public ContentInfo commit(long size, String expected, Map<String, String> labels) {
      try {
        WriteContentRequest.Builder req =
            WriteContentRequest.newBuilder()
                .setAction(WriteAction.COMMIT)
                .setOffset(offset)
                .putAllLabels(labels);
        if (size > 0) {
          req.setTotal(size);
        }
        if (expected != null) {
          req.setExpected(expected);
        }
        WriteContentResponse r = send(req.build());
        offset = r.getOffset();
        digest = r.getDigest();
      } finally {
        close();
      }
      return info(namespace, digest)
          .orElseThrow(() -> new AssertionError("committed " + digest + " has no info"));
    }

    @Override
    public void close() {
      stream.closeSend();
    }
  }
}
