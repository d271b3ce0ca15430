package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.Objects;

/**
 * Opens Streaming calls from the client side (containerd's {@code streaming/proxy}): open the call
 * with the namespace in its metadata, send StreamInit, wait for the acknowledgement. When {@link
 * #create} returns, the server has registered the id, so it may be named in a request. Thread-safe.
 */
public final class StreamCreator {
  /** Default wait for the acknowledgement; containerd's client waits forever. */
  public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);

  private final TtrpcClient client;
  private final String namespace;
  private final CallOptions options;
  private final Duration ackTimeout;
  private final long inboxCapacity;

  /**
   * @param namespace sent as {@value StreamingProtocol#NAMESPACE_KEY} on every stream; {@code ""}
   *     for none
   */
  public StreamCreator(TtrpcClient client, String namespace) {
    this(client, namespace, DEFAULT_ACK_TIMEOUT, StreamManager.DEFAULT_INBOX_CAPACITY);
  }

  public StreamCreator(
      TtrpcClient client, String namespace, Duration ackTimeout, long inboxCapacity) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.options =
        namespace.isEmpty()
            ? CallOptions.DEFAULT
            : CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
    this.ackTimeout = ackTimeout;
    this.inboxCapacity = inboxCapacity;
  }

  public String namespace() {
    return namespace;
  }

  /**
   * Opens a stream with a fresh id ({@link StreamIds#generate}) and waits until the server has
   * registered it.
   *
   * @throws TtrpcException with the server's status (e.g. ALREADY_EXISTS), DEADLINE_EXCEEDED when
   *     no acknowledgement came in time, or UNAVAILABLE
   */
  public AnyStream create(String prefix) throws InterruptedException {
    return open(StreamIds.generate(prefix));
  }

  /** Opens a stream with exactly this id; see {@link #create}. */
  public AnyStream open(String id) throws InterruptedException {
    ClientStream<Any, Any> call = client.openStream(StreamingProtocol.STREAM, options);
    ClientAnyStream stream = new ClientAnyStream(namespace, id, call, inboxCapacity);
    stream.start();
    try {
      stream.send(StreamingProtocol.init(id));
      stream.awaitAck(ackTimeout);
    } catch (RuntimeException | InterruptedException e) {
      stream.cancel();
      throw e;
    }
    return stream;
  }
}
