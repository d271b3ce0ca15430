package dev.transferd.plugin.store.embedded;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps the garbage collector apart from the steps that make files and records disagree for a
 * moment: creating an ingest, committing one (file renamed in, record not yet written), deleting a
 * blob's file. Those take it shared and run side by side; a collection takes it exclusively.
 */
final class StoreLock {
  /** Work that may fail with I/O. */
  @FunctionalInterface
  interface IoWork<T> {
    T run() throws IOException;
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

  <T> T shared(IoWork<T> work) throws IOException {
    lock.readLock().lock();
    try {
      return work.run();
    } finally {
      lock.readLock().unlock();
    }
  }

  <T> T exclusively(IoWork<T> work) throws IOException {
    lock.writeLock().lock();
    try {
      return work.run();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
