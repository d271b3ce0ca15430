package dev.transferd.streams;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;

/**
 * containerd's Streaming and Transfer wire contract, in one place (docs/protocol/transfer.md
 * §1–§5).
 *
 * <p>Every Streaming call is a bidi ttrpc stream of {@code google.protobuf.Any}, opened like this:
 *
 * <pre>
 *  client                                         server
 *    | -- Request Streaming/Stream (remote open) --> |
 *    | -- Any{StreamInit{id}} ---------------------> |  register (namespace, id)
 *    | <-- Any{"google.protobuf.Empty", empty} ----- |  then acknowledge
 *    | <========= side-channel messages ==========> |
 * </pre>
 *
 * <p>After the acknowledgement the call carries one side channel: progress (server sends {@code
 * Progress}), credentials ({@code AuthRequest} / {@code AuthResponse} pairs) or a byte stream:
 *
 * <pre>
 *  receiver                                 sender
 *    | -- WindowUpdate{65536} --------------> |  at once, before any data
 *    | <------------- Data{&lt;= 32768 bytes} -- |  never more bytes than granted
 *    | <------------- Data ... -------------- |
 *    | -- WindowUpdate{65536} --------------> |  whenever outstanding credit &lt; 65536
 *    | <------------- end of the stream ----- |  client: closeSend; server: call ends OK
 * </pre>
 *
 * <p>End of data is only ever the end of the sender's side of the call; containerd sends no in-band
 * end or error. <b>Our extension:</b> a side that fails sends {@code Any{"google.rpc.Status",
 * Status{code, message}}} (see {@link #ABORT_TYPE}) before ending its side, so that our peer can
 * tell a failure from a clean end. Go peers ignore unknown stream objects on byte streams and fail
 * a credential exchange on them, which is what a failure should do there too. The server also ends
 * a failed stream with a non-OK status.
 */
public final class StreamingProtocol {
  /** The ttrpc metadata key carrying the namespace (containerd {@code pkg/namespaces/ttrpc.go}). */
  public static final String NAMESPACE_KEY = "containerd-namespace-ttrpc";

  public static final String STREAMING_SERVICE = "containerd.services.streaming.v1.Streaming";
  public static final String TRANSFER_SERVICE = "containerd.services.transfer.v1.Transfer";

  /** {@code Streaming/Stream}: bidi, {@code Any} both ways. */
  public static final MethodDescriptor<Any, Any> STREAM =
      MethodDescriptor.bidiStreaming(STREAMING_SERVICE, "Stream", Any.parser(), Any.parser());

  /** {@code Transfer/Transfer}: unary, returns {@code Empty}. */
  public static final MethodDescriptor<TransferRequest, Empty> TRANSFER =
      MethodDescriptor.unary(
          TRANSFER_SERVICE, "Transfer", TransferRequest.parser(), Empty.parser());

  /** The type URL of the server's registration acknowledgement. */
  public static final String ACK_TYPE = "google.protobuf.Empty";

  /** The type URL of our in-band failure marker, holding a {@code google.rpc.Status}. */
  public static final String ABORT_TYPE = "google.rpc.Status";

  /** containerd's largest {@code Data} payload a sender produces ({@code maxRead}). */
  public static final int MAX_DATA_CHUNK = 32 * 1024;

  /** containerd's credit grant and low-water mark ({@code windowSize}). */
  public static final int WINDOW_SIZE = 2 * MAX_DATA_CHUNK;

  private static final Any ACK = Any.newBuilder().setTypeUrl(ACK_TYPE).build();

  private StreamingProtocol() {}

  /** The acknowledgement, sent only after the stream is registered. */
  public static Any ack() {
    return ACK;
  }

  /** The first message of every Streaming call. */
  public static Any init(String id) {
    return AnyCodec.pack(StreamInit.newBuilder().setId(id).build());
  }

  /** The failure marker carrying {@code status}. */
  public static Any abort(Status status) {
    return AnyCodec.pack(
        dev.transferd.proto.rpc.Status.newBuilder()
            .setCode(status.code().value())
            .setMessage(status.message())
            .build());
  }

  /** Whether {@code message} is our failure marker. */
  public static boolean isAbort(Any message) {
    return AnyCodec.is(message, dev.transferd.proto.rpc.Status.class);
  }

  /**
   * The status a failure marker carries; an undecodable one reads as UNKNOWN.
   *
   * @param message a message for which {@link #isAbort} holds
   */
  public static Status abortStatus(Any message) {
    try {
      dev.transferd.proto.rpc.Status s =
          AnyCodec.unpack(message, dev.transferd.proto.rpc.Status.class);
      StatusCode code = StatusCode.of(s.getCode());
      return Status.of(code == StatusCode.OK ? StatusCode.UNKNOWN : code, s.getMessage());
    } catch (IllegalArgumentException e) {
      return Status.of(StatusCode.UNKNOWN, "peer failed: " + e.getMessage());
    }
  }

  /** The namespace a call carries in its metadata; {@code ""} when it carries none. */
  public static String namespace(CallContext context) {
    return context.metadata().get(NAMESPACE_KEY).orElse("");
  }
}
