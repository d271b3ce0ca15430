package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.StoreException;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.KeyRange;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * The store's metadata in LMDB: one environment under {@code <root>/metadata}, one named database
 * per record kind, keys {@code namespace \0 id [\0 ...]}, values the containerd API's own protobuf
 * messages.
 *
 * <p>Threading: LMDB allows one write transaction at a time and binds it to the OS thread that
 * began it (its writer mutex is a pthread mutex). Handlers run on virtual threads, which may change
 * carrier between two calls, so every write transaction runs on one dedicated platform thread;
 * callers block until it commits. Read transactions run on the caller's thread ({@code MDB_NOTLS}
 * frees them from thread affinity). A write function must not call {@link #write} again.
 */
final class MetadataDb implements AutoCloseable {
  /** A unit of work inside one transaction. */
  @FunctionalInterface
  interface TxnWork<T> {
    T run(Txn<byte[]> txn);
  }

  static final byte[] PRESENT = {1};

  /** How long {@link #close} waits for running transactions. */
  static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(10);

  private final Env<byte[]> env;
  final Dbi<byte[]> namespaces;
  final Dbi<byte[]> content;
  final Dbi<byte[]> images;
  final Dbi<byte[]> leases;
  final Dbi<byte[]> leaseResources;
  private final ExecutorService writer;
  // Close safety: LMDB crashes the process on a transaction begun after env.close(), so every read
  // and write counts itself in, and close waits for them before closing the environment.
  private final Object gate = new Object();
  private int inFlight; // guarded by gate
  private boolean closed; // guarded by gate

  private MetadataDb(Env<byte[]> env) {
    this.env = env;
    this.namespaces = env.openDbi("namespaces", DbiFlags.MDB_CREATE);
    this.content = env.openDbi("content", DbiFlags.MDB_CREATE);
    this.images = env.openDbi("images", DbiFlags.MDB_CREATE);
    this.leases = env.openDbi("leases", DbiFlags.MDB_CREATE);
    this.leaseResources = env.openDbi("lease_resources", DbiFlags.MDB_CREATE);
    this.writer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "transferd-metadata-writer");
              t.setDaemon(true);
              return t;
            });
  }

  static MetadataDb open(Path dir, long mapSize) throws IOException {
    Files.createDirectories(dir);
    try {
      Env<byte[]> env =
          Env.create(ByteArrayProxy.PROXY_BA)
              .setMapSize(mapSize)
              .setMaxDbs(8)
              .setMaxReaders(1024)
              .open(dir.toFile(), EnvFlags.MDB_NOTLS);
      return new MetadataDb(env);
    } catch (LmdbException e) {
      throw new IOException("open metadata database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Runs {@code work} in a read transaction on this thread. */
  <T> T read(TxnWork<T> work) {
    enter();
    try (Txn<byte[]> txn = env.txnRead()) {
      return work.run(txn);
    } catch (LmdbException e) {
      throw new StoreException(StatusCode.INTERNAL, "metadata read failed: " + e.getMessage(), e);
    } finally {
      exit();
    }
  }

  private void enter() {
    synchronized (gate) {
      if (closed) {
        throw StoreException.unavailable("the store is closed");
      }
      inFlight++;
    }
  }

  private void exit() {
    synchronized (gate) {
      if (--inFlight == 0) {
        gate.notifyAll();
      }
    }
  }

  /**
   * Runs {@code work} in a write transaction and commits it; nothing is written when it throws.
   * Blocks until the transaction is committed or aborted.
   */
  <T> T write(TxnWork<T> work) {
    enter();
    try {
      return submitWrite(work);
    } finally {
      exit();
    }
  }

  private <T> T submitWrite(TxnWork<T> work) {
    Future<T> f =
        writer.submit(
            () -> {
              try (Txn<byte[]> txn = env.txnWrite()) {
                T result = work.run(txn);
                txn.commit();
                return result;
              }
            });
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          // The transaction is already queued; finish it so the caller knows its outcome.
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        if (r instanceof LmdbException) {
          throw new StoreException(
              StatusCode.INTERNAL, "metadata write failed: " + r.getMessage(), r);
        }
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new StoreException(StatusCode.INTERNAL, "metadata write failed: " + cause, cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The values of every key starting with {@code prefix}, in key order. */
  static List<byte[]> valuesWithPrefix(Dbi<byte[]> dbi, Txn<byte[]> txn, byte[] prefix) {
    List<byte[]> out = new ArrayList<>();
    forEachWithPrefix(dbi, txn, prefix, (k, v) -> out.add(v));
    return out;
  }

  /** Entry visitor for {@link #forEachWithPrefix}. */
  @FunctionalInterface
  interface EntryVisitor {
    void visit(byte[] key, byte[] value);
  }

  static void forEachWithPrefix(
      Dbi<byte[]> dbi, Txn<byte[]> txn, byte[] prefix, EntryVisitor visitor) {
    KeyRange<byte[]> range = prefix.length == 0 ? KeyRange.all() : KeyRange.atLeast(prefix);
    try (CursorIterable<byte[]> it = dbi.iterate(txn, range)) {
      for (CursorIterable.KeyVal<byte[]> kv : it) {
        byte[] key = kv.key();
        if (!startsWith(key, prefix)) {
          break;
        }
        visitor.visit(key, kv.val());
      }
    }
  }

  /** Keys starting with {@code prefix}, collected first so the caller may delete them. */
  static List<byte[]> keysWithPrefix(Dbi<byte[]> dbi, Txn<byte[]> txn, byte[] prefix) {
    List<byte[]> out = new ArrayList<>();
    forEachWithPrefix(dbi, txn, prefix, (k, v) -> out.add(k));
    return out;
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** {@code a \0 b \0 c}: the parts of a composite key, UTF-8. */
  static byte[] key(String... parts) {
    return String.join("\0", parts).getBytes(StandardCharsets.UTF_8);
  }

  /** The key prefix of every record under {@code parts}: {@code a \0 b \0}. */
  static byte[] prefix(String... parts) {
    return (String.join("\0", parts) + "\0").getBytes(StandardCharsets.UTF_8);
  }

  /** The parts of a composite key. */
  static String[] split(byte[] key) {
    return new String(key, StandardCharsets.UTF_8).split("\0", -1);
  }

  /** Records the namespace as in use (containerd creates namespaces on first use). */
  void touchNamespace(Txn<byte[]> txn, String namespace) {
    byte[] k = key(namespace);
    if (namespaces.get(txn, k) == null) {
      namespaces.put(txn, k, PRESENT);
    }
  }

  /**
   * The namespace's labels; none when it has none or does not exist. A namespace record is a {@code
   * namespaces.v1.Namespace} message, or the one byte {@link #PRESENT} (no labels) as {@link
   * #touchNamespace} writes it.
   */
  java.util.Map<String, String> namespaceLabels(Txn<byte[]> txn, String namespace) {
    byte[] v = namespaces.get(txn, key(namespace));
    if (v == null || Arrays.equals(v, PRESENT)) {
      return java.util.Map.of();
    }
    try {
      return dev.transferd.proto.namespaces.v1.Namespace.parseFrom(v).getLabelsMap();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException(
          StatusCode.DATA_LOSS, "namespace record of " + namespace + " is corrupt", e);
    }
  }

  /** Writes the namespace with exactly {@code labels}. */
  void putNamespace(Txn<byte[]> txn, String namespace, java.util.Map<String, String> labels) {
    namespaces.put(
        txn,
        key(namespace),
        labels.isEmpty()
            ? PRESENT
            : dev.transferd.proto.namespaces.v1.Namespace.newBuilder()
                .setName(namespace)
                .putAllLabels(labels)
                .build()
                .toByteArray());
  }

  List<String> namespaceNames(Txn<byte[]> txn) {
    List<String> out = new ArrayList<>();
    forEachWithPrefix(
        namespaces, txn, new byte[0], (k, v) -> out.add(new String(k, StandardCharsets.UTF_8)));
    return out;
  }

  /**
   * Refuses new transactions (UNAVAILABLE), waits up to {@link #CLOSE_WAIT} for running ones, then
   * closes the environment. If some are still running then, the environment is left open (the
   * process is ending anyway) rather than pulled from under them.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    synchronized (gate) {
      closed = true;
      boolean interrupted = false;
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(gate, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      writer.shutdown();
      if (inFlight > 0) {
        return;
      }
    }
    env.close();
  }
}
