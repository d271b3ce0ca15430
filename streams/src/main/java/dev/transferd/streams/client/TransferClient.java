package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamCreator;
import dev.transferd.streams.StreamIds;
import dev.transferd.streams.StreamManager;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * containerd's Transfer service from Java (the twin of Go's {@code transfer/proxy}): pull, push,
 * import, export and tag as one call, {@link #transfer}, between a {@link TransferSource} and a
 * {@link TransferDestination}. Input and output streams, progress listeners and credential helpers
 * travel over Streaming calls that this class opens, feeds, drains and closes behind the call.
 *
 * <pre>{@code
 * TransferClient transfers = TransferClient.builder(ttrpcClient).namespace("default").build();
 * try (InputStream archive = Files.newInputStream(path)) {
 *   transfers.transfer(
 *       ImportArchive.from(archive),
 *       StoredImage.named("").withExtraReference(...),
 *       TransferOptions.withProgress(event -> System.out.println(event.event())));
 * }
 * }</pre>
 *
 * <p>Order on the wire, as in Go: the progress stream, then the streams of the source, then those
 * of the destination, then the Transfer call; each stream is acknowledged before the next opens.
 * Every call, streams included, carries the namespace as {@value StreamingProtocol#NAMESPACE_KEY}.
 * Thread-safe; concurrent transfers share the ttrpc connection.
 */
public final class TransferClient {
  /** How long to wait, after the call, for progress events and export bytes still in flight. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final TtrpcClient client;
  private final String namespace;
  private final ByteStreamSettings byteStreams;
  private final Duration drainTimeout;
  private final StreamCreator creator;
  private final CallOptions callOptions;

  private TransferClient(Builder b) {
    this.client = b.client;
    this.namespace = b.namespace;
    this.byteStreams = b.byteStreams;
    this.drainTimeout = b.drainTimeout;
    this.creator = new StreamCreator(client, namespace, b.ackTimeout, b.inboxCapacity);
    this.callOptions =
        namespace.isEmpty()
            ? CallOptions.DEFAULT
            : CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
  }

  public static Builder builder(TtrpcClient client) {
    return new Builder(client);
  }

  public String namespace() {
    return namespace;
  }

  /** {@link #transfer(TransferSource, TransferDestination, TransferOptions)} without options. */
  public void transfer(TransferSource source, TransferDestination destination) throws IOException {
    transfer(source, destination, TransferOptions.none());
  }

  /**
   * Transfers an image from {@code source} to {@code destination} and returns once the server has
   * finished, every progress event has been delivered and every exported byte written.
   *
   * @throws TtrpcException the server's error, with its code (e.g. NOT_FOUND, UNIMPLEMENTED), or
   *     CANCELLED when the calling thread was interrupted (the interrupt flag is kept; byte streams
   *     are failed so the server stops)
   * @throws IOException when the caller's own {@code InputStream} or {@code OutputStream} failed
   *     (that failure also aborts the transfer on the server), or an export did not end properly
   */
  public void transfer(
      TransferSource source, TransferDestination destination, TransferOptions options)
      throws IOException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(options, "options");
    TransferSession session = new TransferSession(creator, byteStreams, drainTimeout);
    TtrpcException failure = null;
    boolean called = false;
    try {
      dev.transferd.proto.transfer.v1.TransferOptions.Builder wireOptions =
          dev.transferd.proto.transfer.v1.TransferOptions.newBuilder();
      if (options.progress() != null) {
        AnyStream progress = session.open(StreamIds.PROGRESS);
        session.listen(progress, options.progress());
        wireOptions.setProgressStream(progress.id());
      }
      TransferRequest request =
          TransferRequest.newBuilder()
              .setSource(marshal(source, session))
              .setDestination(marshal(destination, session))
              .setOptions(wireOptions)
              .build();
      called = true;
      client.call(StreamingProtocol.TRANSFER, request, callOptions);
    } catch (TtrpcException e) {
      failure = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure =
          new TtrpcException(StatusCode.CANCELLED, "transfer interrupted while opening streams");
    } catch (RuntimeException | Error e) {
      session.abandon("transfer failed: " + e);
      throw e;
    }
    session.finish(failure, called);
  }

  private static Any marshal(TransferSource source, TransferSession session)
      throws InterruptedException {
    return switch (source) {
      case RegistryImage r -> r.marshal(session);
      case StoredImage s -> s.marshal();
      case ImportArchive a -> a.marshal(session);
      case RepackDirectory r -> r.marshal();
    };
  }

  private static Any marshal(TransferDestination destination, TransferSession session)
      throws InterruptedException {
    return switch (destination) {
      case RegistryImage r -> r.marshal(session);
      case StoredImage s -> s.marshal();
      case ExportArchive e -> e.marshal(session);
      case UnpackDirectory u -> u.marshal();
    };
  }

  /** Configures a {@link TransferClient}. */
  public static final class Builder {
    private final TtrpcClient client;
    private String namespace = "default";
    private ByteStreamSettings byteStreams = ByteStreamSettings.CONTAINERD;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Duration ackTimeout = StreamCreator.DEFAULT_ACK_TIMEOUT;
    private long inboxCapacity = StreamManager.DEFAULT_INBOX_CAPACITY;

    private Builder(TtrpcClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** The containerd namespace of every call; default {@code default}, "" for none. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * Window and chunk sizes of this client's byte streams; default containerd's. Larger values are
     * safe with any server, which must accept any credit and chunk size.
     */
    public Builder byteStreams(ByteStreamSettings settings) {
      this.byteStreams = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** How long to wait after the call for progress and export data in flight; default 30 s. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long to wait for each stream's acknowledgement; default 30 s. */
    public Builder ackTimeout(Duration timeout) {
      this.ackTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public TransferClient build() {
      if (byteStreams.window() > inboxCapacity / 2) {
        inboxCapacity = 2L * byteStreams.window() + (1 << 20);
      }
      return new TransferClient(this);
    }
  }
}
