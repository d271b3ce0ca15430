package dev.transferd.plugin.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;

/**
 * Commits of the blobs an import has finished reading, run in the background while the next file
 * streams in. A commit syncs the blob to disk (as containerd's does), which for a large layer takes
 * as long as receiving it; overlapping the two keeps the client's stream moving. At most {@link
 * #MAX_IN_FLIGHT} run at once, so the disk is not flooded and few ingests are open; {@link
 * #awaitAll} ends every one before the archive's documents are read. Used by the importing thread.
 */
final class PendingCommits {
  static final int MAX_IN_FLIGHT = 2;

  private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
  private final List<Future<Void>> commits = new ArrayList<>();

  /**
   * Commits {@code ingest} as {@code digest} of {@code size} bytes on a virtual thread; waits for a
   * slot first. The ingest belongs to the commit from now on: it aborts it should the commit fail.
   */
  void commit(BlobSink.Ingest ingest, long size, String digest) throws IOException {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      ingest.abort();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while committing " + digest);
    }
    FutureTask<Void> task =
        new FutureTask<>(
            () -> {
              try {
                ingest.commit(size, digest);
              } finally {
                ingest.abort(); // no-op after a commit
                slots.release();
              }
              return null;
            });
    commits.add(task);
    Thread.ofVirtual().name("import-commit").start(task);
  }

  /**
   * Waits for every commit; the first failure is thrown once all have ended.
   *
   * @throws IOException the first commit failure (or that failure as it was, when unchecked)
   */
  void awaitAll() throws IOException {
    Throwable failure = null;
    boolean interrupted = false;
    for (Future<Void> commit : commits) {
      while (true) {
        try {
          commit.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the commits end on their own; they must not outlive the import
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
          }
          break;
        }
      }
    }
    commits.clear();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    switch (failure) {
      case null -> {}
      case IOException io -> throw io;
      case RuntimeException re -> throw re;
      case Error error -> throw error;
      default -> throw new IOException(failure);
    }
  }
}
