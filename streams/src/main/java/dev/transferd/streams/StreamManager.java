package dev.transferd.streams;

import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's registry of open Streaming calls, by (namespace, id): the Streaming service
 * registers each call after its StreamInit and unregisters it when the call ends for any reason;
 * services look streams up by the ids their requests name. Thread-safe.
 *
 * <p><b>Namespace fallback.</b> Go's ttrpc client sends no metadata on streaming calls, so a Go
 * agent's streams arrive without a namespace and are registered under {@code ""}, while its unary
 * Transfer call does carry one. {@link #get} therefore looks up (namespace, id) first and then ("",
 * id). The reverse never happens: a call without a namespace finds only streams registered without
 * one. Stream ids are unguessable (random suffix) and the socket admits only trusted peers, so the
 * fallback does not let one tenant reach another's streams by chance.
 */
public final class StreamManager {
  /** Default bound on the bytes a stream's unread messages may hold. */
  public static final long DEFAULT_INBOX_CAPACITY = 8L << 20;

  private record Key(String namespace, String id) {}

  private final ConcurrentHashMap<Key, RegisteredStream> streams = new ConcurrentHashMap<>();
  private final long inboxCapacityBytes;

  public StreamManager() {
    this(DEFAULT_INBOX_CAPACITY);
  }

  /**
   * @param inboxCapacityBytes how many bytes of unread messages one stream may hold (see {@link
   *     AnyStream}); must exceed the largest credit window any receiver grants
   */
  public StreamManager(long inboxCapacityBytes) {
    if (inboxCapacityBytes < StreamingProtocol.WINDOW_SIZE) {
      throw new IllegalArgumentException(
          "inbox capacity must be at least one window: " + inboxCapacityBytes);
    }
    this.inboxCapacityBytes = inboxCapacityBytes;
  }

  long inboxCapacityBytes() {
    return inboxCapacityBytes;
  }

  /**
   * The stream {@code id} for a call in {@code namespace}, falling back to the stream registered
   * without a namespace.
   *
   * @throws TtrpcException NOT_FOUND if neither is registered
   */
  public AnyStream get(String namespace, String id) {
    RegisteredStream stream = streams.get(new Key(namespace, id));
    if (stream == null && !namespace.isEmpty()) {
      stream = streams.get(new Key("", id));
    }
    if (stream == null || stream.hasEnded()) {
      throw new TtrpcException(
          StatusCode.NOT_FOUND,
          "stream "
              + id
              + " not found"
              + (namespace.isEmpty() ? "" : " in namespace " + namespace + " or without one"));
    }
    return stream;
  }

  /** Streams registered now. */
  public int size() {
    return streams.size();
  }

  /**
   * @throws TtrpcException ALREADY_EXISTS if the namespace already has a stream with that id
   */
  void register(RegisteredStream stream) {
    RegisteredStream existing =
        streams.putIfAbsent(new Key(stream.namespace(), stream.id()), stream);
    if (existing != null) {
      throw new TtrpcException(
          StatusCode.ALREADY_EXISTS,
          "stream "
              + stream.id()
              + " already exists"
              + (stream.namespace().isEmpty() ? "" : " in namespace " + stream.namespace()));
    }
  }

  void unregister(RegisteredStream stream) {
    streams.remove(new Key(stream.namespace(), stream.id()), stream);
  }
}
