package dev.transferd.plugin.transfer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Runs one transfer's blob tasks, each on its own virtual thread holding a permit of a service-wide
 * {@link Semaphore} while it works. The first failure cancels the rest and is thrown on the
 * caller's thread; an interrupt of the caller cancels them all.
 */
final class BlobTasks {
  @FunctionalInterface
  interface Task {
    void run() throws Exception;
  }

  private BlobTasks() {}

  static void runAll(Semaphore limit, List<Task> tasks) throws Exception {
    if (tasks.isEmpty()) {
      return;
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (Task t : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  limit.acquire();
                  try {
                    t.run();
                  } finally {
                    limit.release();
                  }
                  return null;
                }));
      }
      try {
        for (Future<?> f : futures) {
          f.get();
        }
      } catch (ExecutionException e) {
        futures.forEach(f -> f.cancel(true));
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw (Error) cause;
      } catch (InterruptedException e) {
        futures.forEach(f -> f.cancel(true));
        throw e;
      }
    }
  }
}
