package dev.transferd.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.transferd.ttrpc.proto.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: allocates stream ids and routes inbound frames to calls. Frames for
 * unknown or finished streams, and unknown frame types, are dropped. When the connection closes,
 * every open call fails with UNAVAILABLE naming the socket.
 */
final class ClientConnection extends Connection {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

  private final Path address;
  private final long maxStreamId;
  private final ConcurrentHashMap<Integer, ClientCall<?, ?>> calls = new ConcurrentHashMap<>();
  private final ReentrantLock openLock = new ReentrantLock();
  private long nextStreamId = 1; // guarded by openLock
  private volatile boolean draining;
  private volatile Status closed;

  ClientConnection(
      Channel channel, Path address, FrameEncoder encoder, long maxStreamId, long graceNanos) {
    super(channel, encoder, Math.max(2L * encoder.maxMessageSize(), 8L << 20), graceNanos);
    this.address = address;
    this.maxStreamId = maxStreamId;
  }

  boolean isUsable() {
    return closed == null && !draining && channel().isActive();
  }

  /**
   * Gives the call the next stream id and queues its opening frame, atomically with respect to
   * other opens, so ids reach the wire strictly increasing (Go servers reject anything else).
   *
   * @return false, keeping ownership of the frame with the caller, when this connection has no
   *     stream ids left; the caller opens a new connection
   */
  boolean open(ClientCall<?, ?> call, ByteBuf frame) {
    openLock.lock();
    try {
      Status s = closed;
      if (s != null) {
        frame.release();
        throw s.asException();
      }
      if (nextStreamId > maxStreamId) {
        return false;
      }
      int id = (int) nextStreamId;
      nextStreamId += 2;
      frame.setInt(4, id);
      call.opened(this, id);
      calls.put(id, call);
      writer().write(frame);
      return true;
    } finally {
      openLock.unlock();
    }
  }

  /** Stops opening calls here; closes once the calls in flight are done. */
  void drain() {
    draining = true;
    if (calls.isEmpty()) {
      closeChannel();
    }
  }

  void remove(ClientCall<?, ?> call) {
    calls.remove(call.streamId(), call);
    if (draining && calls.isEmpty()) {
      closeChannel();
    }
  }

  /** Closes the connection; calls in flight fail with the given status. */
  void close(Status status) {
    if (closed == null) {
      closed = status;
    }
    closeChannel();
  }

  @Override
  boolean dispatch(Object msg, boolean force) {
    if (msg instanceof InboundFrame frame) {
      ClientCall<?, ?> call = calls.get(frame.streamId());
      if (call != null && frame.type() == Protocol.TYPE_DATA && !call.onData(frame, force)) {
        return false; // its stream's queue is full: keep the frame, pause reading
      }
      try {
        if (call == null) {
          log.trace("dropping frame for inactive stream {}", frame.streamId());
        } else if (frame.type() == Protocol.TYPE_RESPONSE) {
          onResponse(call, frame.payload());
        }
        // Unknown types are ignored, for future compatibility.
      } finally {
        frame.release();
      }
    } else if (msg instanceof OversizedFrame oversized) {
      ClientCall<?, ?> call = calls.get(oversized.streamId());
      if (call != null) {
        call.onFailure(oversized.status());
      }
    }
    return true;
  }

  private static void onResponse(ClientCall<?, ?> call, ByteBuf payload) {
    Response response;
    try {
      response = Response.parseFrom(payload.nioBuffer());
    } catch (InvalidProtocolBufferException e) {
      call.onFailure(
          Status.of(StatusCode.INTERNAL, "ttrpc: cannot parse response: " + e.getMessage()));
      return;
    }
    // An absent status means OK (Go); an explicit OK (Rust) too.
    Status status = response.hasStatus() ? Status.fromProto(response.getStatus()) : Status.OK;
    call.onResponse(status, response.getPayload());
  }

  @Override
  void onClosed() {
    Status status;
    openLock.lock();
    try {
      if (closed == null) {
        closed = Status.of(StatusCode.UNAVAILABLE, "ttrpc: connection to " + address + " closed");
      }
      status = closed;
    } finally {
      openLock.unlock();
    }
    calls.values().forEach(c -> c.onFailure(status));
  }

  @Override
  void onFailure(Throwable cause) {
    openLock.lock();
    try {
      if (closed == null) {
        closed =
            Status.of(
                StatusCode.UNAVAILABLE,
                "ttrpc: connection to " + address + " failed: " + cause.getMessage());
      }
    } finally {
      openLock.unlock();
    }
  }
}
