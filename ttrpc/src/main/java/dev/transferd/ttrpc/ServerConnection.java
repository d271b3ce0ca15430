package dev.transferd.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.transferd.ttrpc.proto.Request;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of one connection: validates and dispatches frames on the event loop, in wire
 * order, and never blocks it. Protocol errors on a stream are answered on that stream with Go's
 * messages; the connection lives on. Closing the connection cancels every call on it.
 */
final class ServerConnection extends Connection {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

  private final TtrpcServer server;
  private final PeerCredentials peer;
  private final ConcurrentHashMap<Integer, ServerCall<?, ?>> calls = new ConcurrentHashMap<>();
  private int lastStreamId; // event loop only

  ServerConnection(TtrpcServer server, Channel channel, PeerCredentials peer) {
    super(
        channel,
        new FrameEncoder(channel.alloc(), server.options().maxMessageSize()),
        server.options().queueHighWater(),
        server.options().streamQueueGrace().toNanos());
    this.server = server;
    this.peer = peer;
  }

  PeerCredentials peer() {
    return peer;
  }

  int activeCalls() {
    return calls.size();
  }

  /**
   * Closes the connection after the frames already queued: the close runs on the event loop behind
   * any pending write.
   */
  io.netty.channel.ChannelFuture close() {
    return closeChannel();
  }

  /** Fails every call still running, telling its client why; used at the end of a shutdown. */
  void failAll(Status status) {
    calls.values().forEach(c -> c.fail(status));
  }

  @Override
  boolean dispatch(Object msg, boolean force) {
    if (msg instanceof InboundFrame frame) {
      if (frame.type() == Protocol.TYPE_DATA && !onData(frame, force)) {
        return false; // its stream's queue is full: keep the frame, pause reading
      }
      try {
        if (frame.type() == Protocol.TYPE_REQUEST) {
          onRequest(frame);
        }
        // Responses from a client and unknown types are ignored, for future compatibility.
      } finally {
        frame.release();
      }
    } else if (msg instanceof OversizedFrame oversized) {
      onOversized(oversized);
    }
    return true;
  }

  private void onRequest(InboundFrame frame) {
    int id = frame.streamId();
    if ((id & 1) == 0) {
      respond(id, StatusCode.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams");
      return;
    }
    if (Integer.compareUnsigned(id, lastStreamId) <= 0) {
      respond(id, StatusCode.INVALID_ARGUMENT, "StreamID cannot be re-used and must increment");
      return;
    }
    lastStreamId = id;
    Request request;
    try {
      request = Request.parseFrom(frame.payload().nioBuffer());
    } catch (InvalidProtocolBufferException e) {
      respond(id, StatusCode.INVALID_ARGUMENT, "unmarshal request error: " + e.getMessage());
      return;
    }
    if (server.isShuttingDown()) {
      respond(id, StatusCode.UNAVAILABLE, "ttrpc: server is shutting down");
      return;
    }
    TtrpcServer.ServerMethod<?, ?> method =
        server.lookup(request.getService(), request.getMethod());
    if (method == null) {
      String message =
          server.hasService(request.getService())
              ? "method " + request.getMethod()
              : "service " + request.getService();
      respond(id, StatusCode.UNIMPLEMENTED, message);
      return;
    }
    long timeout = request.getTimeoutNano();
    if (timeout < 0) {
      respond(id, StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the call started");
      return;
    }
    long now = System.nanoTime();
    ServerCall<?, ?> call =
        new ServerCall<>(
            this,
            id,
            method,
            Metadata.fromWire(request.getMetadataList()),
            now + timeout,
            timeout > 0,
            server.options().streamQueueCapacity());
    // Go's rule (v1.2.3, #126): the payload is the first message when present, or always when the
    // client does not stream; request flags are ignored for dispatch.
    if (request.hasPayload() || !call.type().clientStreams()) {
      call.setFirstMessage(request.getPayload());
    }
    calls.put(id, call);
    server.callStarted();
    if (timeout > 0) {
      call.setDeadlineTimer(
          schedule(
              () -> call.fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")),
              timeout));
    }
    if (method.direct()) {
      call.run(); // the method promised never to block (ServiceDefinition.Builder#direct)
    } else {
      server.execute(call);
    }
  }

  /** Handles a Data frame; false when the stream's queue is full and {@code force} is not set. */
  private boolean onData(InboundFrame frame, boolean force) {
    int id = frame.streamId();
    ServerCall<?, ?> call = calls.get(id);
    if (call == null) {
      respond(id, StatusCode.INVALID_ARGUMENT, "StreamID is no longer active");
      return true;
    }
    if (!call.type().clientStreams()) {
      // Go servers crash here (a nil stream handler); we fail the stream instead.
      call.fail(
          Status.of(
              StatusCode.INVALID_ARGUMENT,
              "data frame on a " + call.type() + " stream, which takes no client data"));
      return true;
    }
    if (call.isRemoteClosed()) {
      call.fail(
          Status.of(
              StatusCode.INVALID_ARGUMENT,
              "data handling error: ttrpc: stream closed by the client"));
      return true;
    }
    ByteBuf payload = frame.payload();
    if (!frame.hasFlag(Protocol.FLAG_NO_DATA)) {
      if (!call.hasRoom()) {
        if (!force) {
          return false;
        }
        call.fail(
            Status.of(
                StatusCode.RESOURCE_EXHAUSTED,
                "data handling error: ttrpc: stream buffer full ("
                    + server.options().streamQueueCapacity()
                    + " messages not yet received by the handler)"));
        return true;
      }
      call.offer(frame.takeBytes());
    }
    if (frame.hasFlag(Protocol.FLAG_REMOTE_CLOSED)) {
      if (payload.isReadable()) {
        call.fail(Status.of(StatusCode.INVALID_ARGUMENT, "data close message cannot include data"));
        return true;
      }
      call.remoteClose();
    }
    return true;
  }

  private void onOversized(OversizedFrame frame) {
    int id = frame.streamId();
    switch (frame.type()) {
      case Protocol.TYPE_REQUEST -> {
        if ((id & 1) == 1 && Integer.compareUnsigned(id, lastStreamId) > 0) {
          lastStreamId = id;
        }
        writer().write(encoder().error(id, frame.status()));
      }
      case Protocol.TYPE_DATA -> {
        ServerCall<?, ?> call = calls.get(id);
        if (call != null) {
          call.fail(frame.status());
        } else {
          writer().write(encoder().error(id, frame.status()));
        }
      }
      default -> {}
    }
  }

  private void respond(int streamId, StatusCode code, String message) {
    writer().write(encoder().error(streamId, Status.of(code, message)));
  }

  void callEnded(ServerCall<?, ?> call) {
    if (calls.remove(call.streamId(), call)) {
      server.callEnded();
    }
  }

  void logHandlerFailure(MethodDescriptor<?, ?> method, Throwable t) {
    if (t instanceof Error) {
      log.error("handler of {} failed", method.fullMethod(), t);
    } else {
      log.debug("handler of {} failed", method.fullMethod(), t);
    }
  }

  @Override
  void onClosed() {
    Status gone = Status.of(StatusCode.CANCELLED, "ttrpc: client closed the connection");
    calls.values().forEach(c -> c.abandon(gone));
    server.connectionClosed(this);
  }

  @Override
  void onFailure(Throwable cause) {
    log.debug("closing connection after I/O error", cause);
  }
}
