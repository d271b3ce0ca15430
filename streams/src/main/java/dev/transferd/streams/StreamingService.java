package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.ServerStream;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;

/**
 * containerd's {@code Streaming/Stream} (docs/protocol/transfer.md §3.2): takes the StreamInit,
 * registers the call with the {@link StreamManager}, acknowledges, then keeps the call open for
 * whoever looks it up until that consumer ends it or the client goes away. The stream is
 * unregistered when the call ends for any reason (containerd leaves cancelled streams registered
 * until GC; we do not).
 *
 * <p>Errors: no StreamInit first, or an empty id, end the call with INVALID_ARGUMENT; a duplicate
 * (namespace, id) with ALREADY_EXISTS (containerd sends UNKNOWN "already exists"; Go clients fail
 * either way).
 */
public final class StreamingService {
  private final StreamManager manager;

  private StreamingService(StreamManager manager) {
    this.manager = manager;
  }

  /** The service definition to register with a {@link dev.transferd.ttrpc.TtrpcServer}. */
  public static ServiceDefinition definition(StreamManager manager) {
    StreamingService service = new StreamingService(manager);
    return ServiceDefinition.builder(StreamingProtocol.STREAMING_SERVICE).stream(
            StreamingProtocol.STREAM, service::stream)
        .build();
  }

  private Any stream(CallContext context, ServerStream<Any, Any> call) {
    String id = readInit(call);
    RegisteredStream stream =
        new RegisteredStream(
            StreamingProtocol.namespace(context), id, context, call, manager.inboxCapacityBytes());
    manager.register(stream);
    try {
      stream.deliver();
      try {
        stream.acknowledge();
      } catch (TtrpcException e) {
        if (!stream.hasEnded()) {
          throw e;
        }
        // A consumer ended the stream before the ack went out: report its ending below.
      }
      return stream.awaitEnding();
    } finally {
      manager.unregister(stream);
    }
  }

  private static String readInit(ServerStream<Any, Any> call) {
    Any first = call.receive();
    if (first == null) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT, "stream closed by the client before its StreamInit");
    }
    StreamInit init;
    try {
      init = AnyCodec.unpack(first, StreamInit.class);
    } catch (IllegalArgumentException e) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT,
          "the first message on a stream must be a StreamInit: " + e.getMessage());
    }
    if (init.getId().isEmpty()) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, "StreamInit has an empty stream id");
    }
    return init.getId();
  }
}
