package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.LeaseManager;
import dev.transferd.plugin.store.NamespaceStore;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store under one root directory: blobs as files in containerd's layout
 * ({@code content/blobs/sha256/<hex>}, resumable ingests under {@code content/ingest/}) and
 * metadata in LMDB ({@code metadata/}). One process owns a root at a time ({@code lock} file).
 *
 * <p>Opening recovers from a crash: temp files are removed, ingests are kept for resume, and blob
 * files no record names are left for the first collection to remove. The collector runs on its own
 * every {@link EmbeddedStoreOptions#gcInterval()} and shortly after deletes.
 *
 * <p>The JVM must allow LMDB's native access: {@code --enable-native-access=ALL-UNNAMED} (JDK 22+
 * warns without it); no {@code --add-opens} is needed, as records travel as byte arrays.
 */
public final class EmbeddedStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  private final Path root;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final MetadataDb db;
  private final EmbeddedContentStore content;
  private final EmbeddedImageStore images;
  private final EmbeddedLeaseManager leases;
  private final EmbeddedNamespaceStore namespaces;
  private final GarbageCollector collector;
  private final ScheduledExecutorService scheduler;
  private final EmbeddedStoreOptions options;
  private final AtomicBoolean collectionPending = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedStore(
      Path root, FileChannel lockFile, FileLock lock, MetadataDb db, EmbeddedStoreOptions options) {
    this.root = root;
    this.lockFile = lockFile;
    this.lock = lock;
    this.db = db;
    this.options = options;
    ContentLayout layout = new ContentLayout(root);
    StoreLock storeLock = new StoreLock();
    this.content =
        new EmbeddedContentStore(
            layout, db, storeLock, this::collectSoon, options.contentSharing());
    this.namespaces = new EmbeddedNamespaceStore(db, layout);
    this.images = new EmbeddedImageStore(db, this::collectSoon);
    this.leases = new EmbeddedLeaseManager(db, this::collectSoon);
    this.collector = new GarbageCollector(layout, db, storeLock, content, options.staleIngestAge());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "transferd-gc");
              t.setDaemon(true);
              return t;
            });
    long every = options.gcInterval().toMillis();
    if (every > 0) {
      scheduler.scheduleWithFixedDelay(this::collectQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** Opens (creating if needed) the store under {@code root} with default options. */
  public static EmbeddedStore open(Path root) throws IOException {
    return open(root, EmbeddedStoreOptions.defaults());
  }

  /**
   * Opens (creating if needed) the store under {@code root}.
   *
   * @throws StoreException UNAVAILABLE when another process or store object has the root open
   */
  public static EmbeddedStore open(Path root, EmbeddedStoreOptions options) throws IOException {
    Path abs = root.toAbsolutePath();
    ContentLayout layout = new ContentLayout(abs);
    layout.create();
    FileChannel lockFile =
        FileChannel.open(abs.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw StoreException.unavailable("store " + abs + " is in use by another store object");
    }
    try {
      int leftovers = layout.removeCrashLeftovers();
      if (leftovers > 0) {
        log.info("store {}: removed {} leftovers of an interrupted run", abs, leftovers);
      }
      MetadataDb db = MetadataDb.open(abs.resolve("metadata"), options.metadataMapSize());
      return new EmbeddedStore(abs, lockFile, lock, db, options);
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockFile.close();
      throw e;
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public ContentStore content() {
    return content;
  }

  @Override
  public ImageStore images() {
    return images;
  }

  @Override
  public LeaseManager leases() {
    return leases;
  }

  @Override
  public NamespaceStore namespaces() {
    return namespaces;
  }

  @Override
  public GcResult collectGarbage() throws IOException {
    if (closed.get()) {
      throw StoreException.unavailable("store " + root + " is closed");
    }
    GcResult result = collector.collect();
    if (result.blobsRemoved() > 0 || result.ingestsRemoved() > 0) {
      log.debug("store {}: collected {}", root, result);
    }
    return result;
  }

  /** Schedules one collection after the delete delay; deletes meanwhile share it. */
  private void collectSoon() {
    long delay = options.gcDelayAfterDelete().toMillis();
    if (delay <= 0 || closed.get() || !collectionPending.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(
          () -> {
            collectionPending.set(false);
            collectQuietly();
          },
          delay,
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      collectionPending.set(false);
    }
  }

  private void collectQuietly() {
    if (closed.get()) {
      return;
    }
    try {
      collectGarbage();
    } catch (Exception e) {
      log.warn("store {}: garbage collection failed", root, e);
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    db.close();
    try {
      lock.release();
    } finally {
      lockFile.close();
    }
  }
}
