package dev.transferd.streams;

import com.google.protobuf.Any;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One end of a registered Streaming call: a duplex channel of {@code Any} messages after the
 * StreamInit handshake. The server's end comes from {@link StreamManager#get}, the client's from
 * {@link StreamCreator#create}; byte streams, progress and credential callbacks work on either.
 *
 * <p>Threads: one thread receives while one other sends; {@link #close} and {@link #fail} may be
 * called from any thread, any number of times (the first ending wins).
 *
 * <p>Inbound messages wait in a queue bounded by bytes; when it is full, the stream stops reading
 * and ttrpc's own per-stream queue fills behind it, after which ttrpc fails the stream
 * (RESOURCE_EXHAUSTED). Credit-based byte streams never get near that bound.
 */
public interface AnyStream extends AutoCloseable {
  /** The client-chosen stream id. */
  String id();

  /** The namespace the stream was registered in; {@code ""} for none. */
  String namespace();

  /**
   * Installs the watcher that sees every message arriving from now on (see {@link ArrivalWatcher}).
   * Install it before the peer can send what it must see; at most one per stream.
   *
   * @throws IllegalStateException if the stream already has one
   */
  void watchArrivals(ArrivalWatcher watcher);

  /**
   * Sends every message arriving from now on to {@code watcher} only, instead of queueing it for
   * {@link #receive}, and tells it when the peer's side ends ({@link ArrivalWatcher#ended}). For a
   * byte-stream sender, whose credit must reach it on the I/O thread without a receiving thread.
   * Replaces {@link #watchArrivals}; at most one per stream.
   *
   * @return the messages that were queued before, in order, for the caller to handle; they are no
   *     longer queued
   * @throws IllegalStateException if the stream already has a watcher
   */
  java.util.List<Any> divertArrivals(ArrivalWatcher watcher);

  /**
   * Sends a message, waiting while the connection cannot take more.
   *
   * @throws TtrpcException if the stream has ended (locally or by the peer), or the message is over
   *     the frame limit
   */
  void send(Any message);

  /**
   * The next message, waiting for it.
   *
   * @return the message, or {@code null} once the peer has ended its side cleanly
   * @throws TtrpcException with the status the stream ended with: the peer's error, CANCELLED when
   *     the peer went away or this end was closed locally
   * @throws InterruptedException if the calling thread is interrupted
   */
  Any receive() throws InterruptedException;

  /**
   * As {@link #receive()}, waiting at most {@code timeout}.
   *
   * @throws TimeoutException if no message and no ending arrived in time
   */
  Any receive(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * A message already waiting, without blocking.
   *
   * @return the message, or {@code null} if none is waiting or the peer ended its side cleanly
   * @throws TtrpcException as {@link #receive()}, once the stream has ended with an error
   */
  Any poll();

  /**
   * Ends this side cleanly. Server: the Streaming call ends with OK, so the client sees the end of
   * the stream; the stream is unregistered. Client: {@code closeSend}; the server's end stays until
   * it ends the call.
   */
  @Override
  void close();

  /**
   * Ends this side with a failure the peer can tell from a clean end: the server ends the call with
   * {@code status}; the client sends the abort marker ({@link StreamingProtocol#ABORT_TYPE}), then
   * ends its side and stops tracking the call. Best effort: never throws.
   */
  void fail(Status status);

  /**
   * Stops this end without an abort marker, dropping messages not yet received: the server ends the
   * call with CANCELLED; the client ends its side and stops tracking the call (ttrpc has no cancel
   * message). For streams nobody needs any more. Never throws.
   */
  void cancel();
}
