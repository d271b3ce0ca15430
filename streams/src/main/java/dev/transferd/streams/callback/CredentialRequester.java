package dev.transferd.streams.callback;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.AuthRequest;
import dev.transferd.proto.types.transfer.AuthResponse;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * The server's side of a credential stream (docs/protocol/transfer.md §7.1): sends {@code
 * AuthRequest{host, reference}} and waits for the one {@code AuthResponse} that answers it.
 * Requests are serialized: one is outstanding at a time and answers are matched by order, as in
 * containerd.
 *
 * <p>Unlike containerd, which waits forever, a request gives up after {@code timeout}. A late
 * answer would then pair with the next request, so after a timeout the requester is broken: every
 * later request fails at once with the same error. A client whose helper failed sends our abort
 * marker instead of an answer; that fails the request at once with the client's message.
 *
 * <p>Thread-safe; {@link #request} blocks the calling thread.
 */
public final class CredentialRequester {
  /** How long a request waits for the client's answer by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private final AnyStream stream;
  private final Duration timeout;
  private TtrpcException broken; // guarded by this

  public CredentialRequester(AnyStream stream, Duration timeout) {
    this.stream = Objects.requireNonNull(stream, "stream");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("credential timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
  }

  public String streamId() {
    return stream.id();
  }

  /**
   * Asks the client for credentials for {@code host}, the registry host that challenged us, while
   * transferring {@code reference}.
   *
   * @throws TtrpcException DEADLINE_EXCEEDED when the client did not answer within the timeout (and
   *     for every later request), UNAVAILABLE when the stream ended first, the client's code when
   *     its credential helper failed, INVALID_ARGUMENT for an answer that is not an AuthResponse
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public synchronized RegistryCredentials request(String host, String reference)
      throws InterruptedException {
    if (broken != null) {
      throw broken;
    }
    String what = "credentials for " + host + " (" + reference + ") on stream " + stream.id();
    Any answer;
    try {
      stream.send(
          AnyCodec.pack(AuthRequest.newBuilder().setHost(host).setReference(reference).build()));
      answer = stream.receive(timeout);
    } catch (TimeoutException e) {
      broken =
          new TtrpcException(
              StatusCode.DEADLINE_EXCEEDED,
              "the client gave no " + what + " within " + timeout.toSeconds() + " s");
      throw broken;
    } catch (TtrpcException e) {
      throw ended(what, e.status());
    }
    if (answer == null) {
      throw ended(what, Status.OK);
    }
    if (StreamingProtocol.isAbort(answer)) {
      Status failure = StreamingProtocol.abortStatus(answer);
      throw new TtrpcException(
          failure.code(), "the client could not provide " + what + ": " + failure.message());
    }
    try {
      AuthResponse response = AnyCodec.unpack(answer, AuthResponse.class);
      return new RegistryCredentials(
          response.getAuthType(), response.getUsername(), response.getSecret());
    } catch (IllegalArgumentException e) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT,
          "the client answered a request for " + what + " with " + e.getMessage());
    }
  }

  private TtrpcException ended(String what, Status how) {
    broken =
        new TtrpcException(
            StatusCode.UNAVAILABLE,
            "the credential stream ended before the client sent "
                + what
                + (how.isOk() ? "" : ": " + how));
    return broken;
  }
}
