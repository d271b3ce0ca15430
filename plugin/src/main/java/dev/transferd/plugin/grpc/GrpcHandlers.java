package dev.transferd.plugin.grpc;

import dev.transferd.ttrpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Where bridged handlers run: a virtual thread per call, as on ttrpc, and the calls still running,
 * so that a stopping server can fail them with a status of its choosing (UNAVAILABLE, which
 * containerd's writers retry, as ttrpc's server does) and wait until their handlers have left
 * whatever they use. Thread-safe.
 */
public final class GrpcHandlers implements Executor {
  private final ExecutorService threads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("grpc-handler-", 0).factory());
  private final Set<GrpcServerStream<?, ?>> running = ConcurrentHashMap.newKeySet();

  /** Handlers for the services of one {@link GrpcServer}: give it to the bridge and the server. */
  public GrpcHandlers() {}

  @Override
  public void execute(Runnable handler) {
    threads.execute(handler);
  }

  void started(GrpcServerStream<?, ?> call) {
    running.add(call);
  }

  void ended(GrpcServerStream<?, ?> call) {
    running.remove(call);
  }

  /** Takes no more calls. */
  void shutdown() {
    threads.shutdown();
  }

  /** Ends every running call with {@code status} and interrupts its handler. */
  void failAll(Status status) {
    running.forEach(call -> call.fail(status));
  }

  /** Waits up to {@code limit} for the handlers to return; false if some still run. */
  boolean awaitEnd(Duration limit) throws InterruptedException {
    return threads.awaitTermination(limit.toNanos(), TimeUnit.NANOSECONDS);
  }
}
