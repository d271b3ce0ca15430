package dev.transferd.plugin.transfer;

import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.plugin.registry.RegistryException;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One large blob fetched as parallel ranged GETs ({@code concurrent_layer_fetch_buffer},
 * docs/protocol/transfer.md §8.1, §9.1): ranges of {@code chunk} bytes from the ingest's offset,
 * each read whole into memory on its own virtual thread, and written to the ingest strictly in
 * order (which hashes them), so the ingest's offset is always a prefix of the blob and a broken
 * pull resumes from it as a one-stream download does.
 *
 * <p>Connections: the blob's own download permit covers one range; each further one takes a permit
 * of the service-wide download semaphore only if one is free at that moment (fairly: waiting blob
 * downloads go first), up to {@code max_concurrent_downloads} in all. Nothing ever waits for a
 * second permit while holding one, so pulls cannot deadlock on each other; three pulls that each
 * want three ranges under a limit of three simply get one connection each, and a blob picks up
 * connections as other downloads end (typically the last, largest layer of a pull). Memory: at most
 * one range per connection, fetched or being fetched.
 *
 * <p>A registry that answers a range with 200 (it does not serve ranges) ends this: what was
 * written stays, and the caller goes on with one stream from the ingest's offset.
 */
final class RangedDownload {
  private static final int MAX_RESUMES = 5;

  private final RegistryClient client;
  private final Descriptor desc;
  private final ContentWriter writer;
  private final int chunk;
  private final Semaphore limit;
  private final int maxConnections;
  private final BlobProgress events;
  private final String what;

  RangedDownload(
      RegistryClient client,
      Descriptor desc,
      ContentWriter writer,
      long chunk,
      Semaphore limit,
      int maxConnections,
      BlobProgress events,
      String what) {
    this.client = client;
    this.desc = desc;
    this.writer = writer;
    this.chunk = (int) chunk;
    this.limit = limit;
    this.maxConnections = maxConnections;
    this.events = events;
    this.what = what;
  }

  /**
   * Fetches from the ingest's offset to the end of the blob.
   *
   * @return true when every byte is written; false when the registry does not serve ranges (the
   *     ingest holds a prefix; go on with one stream)
   */
  boolean run() throws Exception {
    long size = desc.getSize();
    long next = writer.offset();
    int extra = 0;
    Deque<Future<byte[]>> pending = new ArrayDeque<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        while (writer.offset() < size) {
          while (next < size && pending.size() < 1 + extra) {
            pending.add(submit(pool, next, (int) Math.min(chunk, size - next)));
            next += Math.min(chunk, size - next);
          }
          while (next < size
              && 1 + extra < maxConnections
              && limit.tryAcquire(0, TimeUnit.SECONDS)) {
            extra++;
            pending.add(submit(pool, next, (int) Math.min(chunk, size - next)));
            next += Math.min(chunk, size - next);
          }
          byte[] range = await(pending.removeFirst());
          if (range == null) {
            return false;
          }
          writer.write(range);
          events.moved(range.length);
          events.active(writer.offset(), false);
        }
        return true;
      } finally {
        pending.forEach(f -> f.cancel(true));
      }
    } finally {
      limit.release(extra);
    }
  }

  private Future<byte[]> submit(ExecutorService pool, long from, int length) {
    return pool.submit(() -> fetch(from, length));
  }

  private static byte[] await(Future<byte[]> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw (Error) e.getCause();
    }
  }

  /** The range {@code [from, from + length)}, whole; null if the registry ignores ranges. */
  private byte[] fetch(long from, int length) throws InterruptedException {
    byte[] bytes = new byte[length];
    int got = 0;
    int resumes = 0;
    while (got < length) {
      int before = got;
      try (InputStream in = client.fetchRange(desc, from + got, length - got)) {
        if (in == null) {
          return null;
        }
        int n;
        while (got < length && (n = in.read(bytes, got, length - got)) > 0) {
          got += n;
        }
      } catch (IOException e) {
        if (got == before && ++resumes > MAX_RESUMES) {
          throw new RegistryException(
              StatusCode.UNAVAILABLE,
              what + ": " + e.getMessage() + " (range at byte " + (from + got) + ")",
              e);
        }
        Thread.sleep(Math.min(2000, 100L << Math.min(resumes, 5)));
        continue;
      }
      if (got == before && ++resumes > MAX_RESUMES) {
        throw new RegistryException(
            StatusCode.UNAVAILABLE, what + ": the registry sent nothing from byte " + (from + got));
      }
    }
    return bytes;
  }
}
