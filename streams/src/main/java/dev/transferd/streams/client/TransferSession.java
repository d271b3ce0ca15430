package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.AuthRequest;
import dev.transferd.proto.types.transfer.AuthResponse;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamCreator;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.bytestream.ByteStreamReceiver;
import dev.transferd.streams.bytestream.ByteStreamSender;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.client.SideTask.CallerStreamException;
import dev.transferd.streams.client.SideTask.Kind;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams and background tasks of one {@link TransferClient#transfer} call: opened while the
 * endpoints are marshalled, drained and stopped by {@link #finish} after the Transfer call. Used by
 * the calling thread only.
 */
final class TransferSession {
  private static final Logger log = LoggerFactory.getLogger(TransferSession.class);

  /** How long stopped tasks get to wind down after a failed transfer. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final StreamCreator creator;
  private final ByteStreamSettings settings;
  private final Duration drainTimeout;
  private final List<AnyStream> streams = new ArrayList<>();
  private final List<SideTask> tasks = new ArrayList<>();

  TransferSession(StreamCreator creator, ByteStreamSettings settings, Duration drainTimeout) {
    this.creator = creator;
    this.settings = settings;
    this.drainTimeout = drainTimeout;
  }

  /** Opens a stream with a fresh id; it is released when the session finishes. */
  AnyStream open(String prefix) throws InterruptedException {
    AnyStream stream = creator.create(prefix);
    streams.add(stream);
    return stream;
  }

  /** Sends {@code in} to its end on {@code stream}; the server grants credit when it attaches. */
  void send(AnyStream stream, InputStream in) {
    ByteStreamSender out = ByteStreamSender.start(stream, settings);
    tasks.add(
        SideTask.start(
            Kind.SENDER,
            stream,
            () -> {
              try {
                out.transferFrom(new CallerStreams.Input(in));
                out.close();
              } catch (CallerStreams.MarkedException e) {
                out.abort(e.getCause());
                throw new CallerStreamException(e.getCause());
              } catch (IOException | RuntimeException e) {
                out.abort(e);
                throw e;
              }
            }));
  }

  /** Receives {@code stream} into {@code out}, granting the first credit now. */
  void receive(AnyStream stream, OutputStream out) {
    receive(stream, out, Kind.RECEIVER);
  }

  /** Receives the HTTP debug output on {@code stream} into {@code out} (see {@link Kind#LOGS}). */
  void receiveLogs(AnyStream stream, OutputStream out) {
    receive(stream, out, Kind.LOGS);
  }

  private void receive(AnyStream stream, OutputStream out, Kind kind) {
    ByteStreamReceiver in = ByteStreamReceiver.start(stream, settings);
    tasks.add(
        SideTask.start(
            kind,
            stream,
            () -> {
              try (in) {
                CallerStreams.Output caller = new CallerStreams.Output(out);
                in.transferTo(caller);
                caller.flush();
              } catch (CallerStreams.MarkedException e) {
                throw new CallerStreamException(e.getCause());
              }
            }));
  }

  /** Delivers the progress events on {@code stream} to {@code listener}, in order. */
  void listen(AnyStream stream, ProgressListener listener) {
    tasks.add(
        SideTask.start(
            Kind.PROGRESS,
            stream,
            () -> {
              Any message;
              while ((message = stream.receive()) != null) {
                if (!AnyCodec.is(message, Progress.class)) {
                  log.debug(
                      "ignoring a {} on progress stream {}", message.getTypeUrl(), stream.id());
                  continue;
                }
                ProgressEvent event =
                    ProgressEvent.fromProto(AnyCodec.unpack(message, Progress.class));
                try {
                  listener.onProgress(event);
                } catch (RuntimeException e) {
                  log.warn("progress listener failed on {}", event, e);
                }
              }
            }));
  }

  /**
   * Answers each AuthRequest on {@code stream} with {@code helper}'s credentials
   * (docs/protocol/transfer.md §7.2).
   */
  void answerCredentials(AnyStream stream, CredentialHelper helper) {
    tasks.add(
        SideTask.start(
            Kind.CREDENTIALS,
            stream,
            () -> {
              Any message;
              while ((message = stream.receive()) != null) {
                if (!AnyCodec.is(message, AuthRequest.class)) {
                  log.debug(
                      "ignoring a {} on credential stream {}", message.getTypeUrl(), stream.id());
                  continue;
                }
                stream.send(answer(AnyCodec.unpack(message, AuthRequest.class), helper));
              }
            }));
  }

  private static Any answer(AuthRequest request, CredentialHelper helper) {
    Credentials c;
    try {
      c = helper.credentials(request.getReference(), request.getHost());
    } catch (IOException | RuntimeException e) {
      // containerd's client sends nothing here and the server waits forever; we say why.
      log.warn("credential helper failed for {}: {}", request.getHost(), e.toString());
      return StreamingProtocol.abort(
          Status.of(StatusCode.UNAUTHENTICATED, "credential helper failed: " + describe(e)));
    }
    if (c == null) {
      c = Credentials.anonymous();
    }
    AuthResponse.Builder response = AuthResponse.newBuilder();
    if (!c.header().isEmpty()) {
      response.setAuthType(AuthType.HEADER).setSecret(c.header());
    } else if (!c.username().isEmpty()) {
      response.setAuthType(AuthType.CREDENTIALS).setUsername(c.username()).setSecret(c.secret());
    } else {
      // Also how "no credentials" is said: a refresh token that is empty.
      response.setAuthType(AuthType.REFRESH).setSecret(c.secret());
    }
    return AnyCodec.pack(response.build());
  }

  /**
   * Ends the session after the Transfer call: on success waits for the export archives and the
   * progress events to arrive in full, then stops the rest; on failure stops everything at once.
   *
   * @param callFailure how the transfer failed; null if it succeeded
   * @param called whether the Transfer call was made (and so the server ends the progress stream)
   * @throws IOException the caller's own stream failure, which caused any server error; or an
   *     export archive the server did not end in time
   * @throws TtrpcException {@code callFailure}, when nothing local explains it
   */
  void finish(TtrpcException callFailure, boolean called) throws IOException {
    // Cleanup must not be cut short by an interrupt that cancelled the call; it is restored below.
    boolean interrupted = Thread.interrupted();
    List<IOException> problems = new ArrayList<>();
    try {
      if (callFailure == null) {
        drain(problems);
      } else {
        if (called && !interrupted) {
          // As Go's client does: events sent before the failure still reach the listener.
          awaitProgress();
        }
        stopAll("transfer failed: " + callFailure.getMessage());
      }
    } catch (InterruptedException e) {
      interrupted = true;
      stopAll("transfer interrupted");
      problems.add(new InterruptedIOException("interrupted while finishing the transfer"));
    } finally {
      streams.forEach(AnyStream::cancel);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    IOException local = callerFailure();
    if (local != null) {
      if (callFailure != null) {
        local.addSuppressed(callFailure);
      }
      throw local;
    }
    if (callFailure != null) {
      throw callFailure;
    }
    if (!problems.isEmpty()) {
      throw problems.getFirst();
    }
  }

  /** Stops every task, e.g. when marshalling failed before the call. */
  void abandon(String why) {
    stopAll(why);
    streams.forEach(AnyStream::cancel);
  }

  private void drain(List<IOException> problems) throws InterruptedException {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    for (SideTask task : tasks) {
      switch (task.kind()) {
        case RECEIVER, PROGRESS, LOGS -> {
          Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
          if (!task.await(left)) {
            task.stop("not ended by the server within " + drainTimeout);
            if (task.kind() == Kind.RECEIVER) {
              problems.add(
                  new IOException(
                      "the server did not end byte stream "
                          + task.stream().id()
                          + " within "
                          + drainTimeout.toSeconds()
                          + " s of completing the transfer; what it carries may be incomplete"));
            } else {
              log.warn("{} not ended by the server in time", task.stream().id());
            }
          } else if (task.kind() == Kind.RECEIVER
              && task.failure() instanceof IOException e
              && task.callerFailure() == null) {
            problems.add(e);
          }
        }
        case SENDER, CREDENTIALS -> task.stop("transfer completed");
      }
    }
  }

  private void awaitProgress() throws InterruptedException {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    for (SideTask task : tasks) {
      if (task.kind() == Kind.PROGRESS || task.kind() == Kind.LOGS) {
        task.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      }
    }
  }

  private void stopAll(String why) {
    tasks.forEach(t -> t.stop(why));
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (SideTask task : tasks) {
      try {
        if (task.kind() == Kind.SENDER || task.kind() == Kind.RECEIVER) {
          task.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private IOException callerFailure() {
    for (SideTask task : tasks) {
      IOException e = task.callerFailure();
      if (e != null) {
        return e;
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
