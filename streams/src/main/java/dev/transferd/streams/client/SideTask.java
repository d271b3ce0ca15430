package dev.transferd.streams.client;

import dev.transferd.streams.AnyStream;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One background part of a transfer, on its own virtual thread, bound to one stream: sending an
 * import archive, receiving an export archive, delivering progress, answering credential requests.
 */
final class SideTask {
  /** What the task does, which decides how it is waited for and how it is stopped. */
  enum Kind {
    /** Sends a byte stream; stopping fails the stream, so the server sees an error. */
    SENDER,
    /** Receives a byte stream; must see the server's end after a successful transfer. */
    RECEIVER,
    /** Delivers progress until the server ends the stream. */
    PROGRESS,
    /**
     * Receives the server's HTTP debug output; like progress, it is awaited after a failed transfer
     * too (the server ends it in either case), since that is when it matters most.
     */
    LOGS,
    /** Answers credential requests until the transfer ends. */
    CREDENTIALS
  }

  /** The task's work. A {@link CallerStreamException} marks a failure of the caller's stream. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /** An I/O failure of the caller's own InputStream or OutputStream, not of the transfer. */
  static final class CallerStreamException extends Exception {
    CallerStreamException(IOException cause) {
      super(cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  private final Kind kind;
  private final AnyStream stream;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Thread thread;

  private SideTask(Kind kind, AnyStream stream, Body body) {
    this.kind = kind;
    this.stream = stream;
    this.thread =
        Thread.ofVirtual()
            .name(kind.name().toLowerCase() + "-" + stream.id())
            .unstarted(
                () -> {
                  try {
                    body.run();
                    done.complete(null);
                  } catch (Throwable t) {
                    done.completeExceptionally(t);
                  }
                });
  }

  static SideTask start(Kind kind, AnyStream stream, Body body) {
    SideTask task = new SideTask(kind, stream, body);
    task.thread.start();
    return task;
  }

  Kind kind() {
    return kind;
  }

  AnyStream stream() {
    return stream;
  }

  /** Waits up to {@code timeout} for the task to end; false if it is still running. */
  boolean await(Duration timeout) throws InterruptedException {
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      // Reported by failure().
    }
    return true;
  }

  /** The failure the task ended with; null while running or after success. */
  Throwable failure() {
    if (!done.isCompletedExceptionally()) {
      return null;
    }
    try {
      done.join();
      return null;
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    }
  }

  /** The caller's own I/O failure, if that is how the task ended. */
  IOException callerFailure() {
    return failure() instanceof CallerStreamException c ? c.getCause() : null;
  }

  /**
   * Stops the task: byte streams are failed, so the server does not mistake the stop for the end of
   * data; callback streams are cancelled. User callbacks are not interrupted.
   */
  void stop(String why) {
    if (done.isDone()) {
      return;
    }
    switch (kind) {
      case SENDER, RECEIVER -> {
        stream.fail(Status.of(StatusCode.CANCELLED, why));
        thread.interrupt();
      }
      case PROGRESS, CREDENTIALS -> stream.cancel();
    }
  }
}
