package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Filter;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The content store over files and metadata. Thread-safe.
 *
 * <p>Locks: an ingest directory is held by at most one {@link IngestWriter} (the {@code held} set;
 * a second opener gets UNAVAILABLE). Creating an ingest and committing one hold the store's {@link
 * StoreLock} shared; the garbage collector holds it exclusively, so it never sees a blob renamed in
 * but not yet recorded, nor an ingest half created.
 */
final class EmbeddedContentStore implements ContentStore {
  private final ContentLayout layout;
  private final MetadataDb db;
  private final StoreLock lock;
  private final Runnable afterDelete;
  private final ContentSharingPolicy sharing;
  private final Set<Path> held = ConcurrentHashMap.newKeySet();

  /** The writer of each held ingest, whose offset and time are ahead of the files'. */
  private final Map<Path, IngestWriter> live = new ConcurrentHashMap<>();

  EmbeddedContentStore(
      ContentLayout layout,
      MetadataDb db,
      StoreLock lock,
      Runnable afterDelete,
      ContentSharingPolicy sharing) {
    this.layout = layout;
    this.db = db;
    this.lock = lock;
    this.afterDelete = afterDelete;
    this.sharing = sharing;
  }

  @Override
  public Optional<ContentInfo> info(String namespace, String digest) {
    NamespaceRules.require(namespace);
    Sha256.hexOf(digest);
    byte[] v = db.read(txn -> db.content.get(txn, MetadataDb.key(namespace, digest)));
    return Optional.ofNullable(v).map(RecordCodec::decodeContent);
  }

  @Override
  public ContentInfo update(
      String namespace, String digest, Map<String, String> labels, List<String> fieldPaths) {
    NamespaceRules.require(namespace);
    Sha256.hexOf(digest);
    LabelRules.validate(labels, "content " + digest);
    return db.write(
        txn -> {
          byte[] k = MetadataDb.key(namespace, digest);
          byte[] v = db.content.get(txn, k);
          if (v == null) {
            throw notFound(namespace, digest);
          }
          ContentInfo old = RecordCodec.decodeContent(v);
          Map<String, String> merged = applyLabelPaths(old.labels(), labels, fieldPaths, digest);
          ContentInfo updated =
              new ContentInfo(old.digest(), old.size(), old.createdAt(), Instant.now(), merged);
          db.content.put(txn, k, RecordCodec.encode(updated));
          return updated;
        });
  }

  /** containerd's field paths for labels: {@code labels} (all), {@code labels.<key>} (one). */
  static Map<String, String> applyLabelPaths(
      Map<String, String> old, Map<String, String> given, List<String> paths, String owner) {
    if (paths.isEmpty()) {
      return Map.copyOf(given);
    }
    Map<String, String> out = new HashMap<>(old);
    for (String path : paths) {
      if (path.equals("labels")) {
        out = new HashMap<>(given);
      } else if (path.startsWith("labels.") && path.length() > 7) {
        String key = path.substring(7);
        String value = given.get(key);
        if (value == null || value.isEmpty()) {
          out.remove(key);
        } else {
          out.put(key, value);
        }
      } else {
        throw StoreException.invalidArgument(
            "cannot update \"" + path + "\" field on " + owner + ": only labels are mutable");
      }
    }
    return out;
  }

  @Override
  public List<ContentInfo> list(String namespace, List<String> filters) {
    NamespaceRules.require(namespace);
    Filter filter = Filter.parseAny(filters);
    List<ContentInfo> all =
        db.read(
            txn -> {
              List<ContentInfo> out = new ArrayList<>();
              for (byte[] v :
                  MetadataDb.valuesWithPrefix(db.content, txn, MetadataDb.prefix(namespace))) {
                out.add(RecordCodec.decodeContent(v));
              }
              return out;
            });
    List<ContentInfo> matching = new ArrayList<>();
    for (ContentInfo info : all) {
      if (filter.matches(path -> contentField(info, path))) {
        matching.add(info);
      }
    }
    matching.sort(Comparator.comparing(ContentInfo::digest));
    return matching;
  }

  private static Optional<String> contentField(ContentInfo info, List<String> path) {
    return switch (path.getFirst()) {
      case "digest" -> path.size() == 1 ? Optional.of(info.digest()) : Optional.empty();
      case "size" -> path.size() == 1 ? Optional.of(Long.toString(info.size())) : Optional.empty();
      case "labels" -> Filter.Fields.label(info.labels(), path.subList(1, path.size()));
      default -> Optional.empty();
    };
  }

  @Override
  public void delete(String namespace, String digest) {
    NamespaceRules.require(namespace);
    Sha256.hexOf(digest);
    db.write(
        txn -> {
          if (!db.content.delete(txn, MetadataDb.key(namespace, digest))) {
            throw notFound(namespace, digest);
          }
          return null;
        });
    // The bytes go at once when no other namespace holds them; the collector runs soon after for
    // what this delete made unreachable.
    try {
      lock.exclusively(
          () -> {
            if (!heldByAnyNamespace(digest)) {
              Files.deleteIfExists(layout.blob(digest));
            }
            return null;
          });
    } catch (IOException e) {
      throw new StoreException(
          StatusCode.INTERNAL, "remove the file of content " + digest + ": " + e.getMessage(), e);
    } finally {
      afterDelete.run();
    }
  }

  private boolean heldByAnyNamespace(String digest) {
    return db.read(
        txn -> {
          for (String ns : db.namespaceNames(txn)) {
            if (db.content.get(txn, MetadataDb.key(ns, digest)) != null) {
              return true;
            }
          }
          return false;
        });
  }

  @Override
  public InputStream read(String namespace, String digest, long offset) throws IOException {
    ContentInfo info = info(namespace, digest).orElseThrow(() -> notFound(namespace, digest));
    if (offset < 0 || offset > info.size()) {
      throw new StoreException(
          StatusCode.OUT_OF_RANGE,
          "offset " + offset + " is outside content " + digest + " of size " + info.size());
    }
    if (info.size() - offset >= DirectBlobInputStream.MIN_SIZE) {
      DirectBlobInputStream direct =
          DirectBlobInputStream.open(layout.blob(digest), offset, info.size());
      if (direct != null) {
        return direct;
      }
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(layout.blob(digest), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new StoreException(
          StatusCode.DATA_LOSS,
          "content " + digest + " is recorded in namespace " + namespace + " but its file is gone",
          e);
    }
    ch.position(offset);
    return Channels.newInputStream(ch);
  }

  @Override
  public Optional<Path> file(String namespace, String digest) {
    return info(namespace, digest).map(i -> layout.blob(digest));
  }

  /** The file of a committed blob, for zero-copy readers; NOT_FOUND when not in the namespace. */
  Path blobFile(String namespace, String digest) {
    info(namespace, digest).orElseThrow(() -> notFound(namespace, digest));
    return layout.blob(digest);
  }

  @Override
  public ContentWriter writer(WriteRequest request) throws IOException {
    String ns = NamespaceRules.require(request.namespace());
    String ref = request.ref();
    if (ref == null || ref.isEmpty()) {
      throw StoreException.invalidArgument("ingest ref is required");
    }
    String expected = request.expectedDigest();
    if (expected != null && !expected.isEmpty()) {
      Sha256.hexOf(expected);
    } else {
      expected = null;
    }
    String lease = request.lease();
    if (expected != null && alreadyHeld(ns, expected, lease)) {
      throw StoreException.alreadyExists("content " + expected + " already exists");
    }
    Path dir = layout.ingest(ns, ref);
    lockRef(dir, ns, ref);
    try {
      // Looked at again: the writer this one waited for may have committed the blob (containerd's
      // local store checks for the blob once it holds the ref, too).
      if (expected != null && alreadyHeld(ns, expected, lease)) {
        throw StoreException.alreadyExists("content " + expected + " already exists");
      }
      String exp = expected;
      // Under the store lock only what the collector must not see half done; re-hashing a resumed
      // ingest happens after.
      Opening opening =
          lock.shared(
              () -> {
                addIngestLease(ns, ref, lease);
                Optional<IngestDirectory> existing = IngestDirectory.read(dir);
                if (existing.isPresent()) {
                  checkResume(existing.get(), request.expectedSize(), exp);
                  return new Opening(existing.get(), null);
                }
                Optional<ContentInfo> shared =
                    exp == null ? Optional.empty() : shareable(ns, exp, request.expectedSize());
                if (shared.isPresent()) {
                  return new Opening(null, shared.get());
                }
                return new Opening(newIngest(ns, ref, request.expectedSize(), exp), null);
              });
      if (opening.shared() != null) {
        return new SharedBlobWriter(this, ns, ref, opening.shared(), lease, Instant.now());
      }
      return IngestWriter.open(this, opening.ingest(), lease);
    } catch (IOException | RuntimeException e) {
      held.remove(dir);
      throw e;
    }
  }

  /** What a new writer works on: an ingest, or another namespace's blob it may take. */
  private record Opening(IngestDirectory ingest, ContentInfo shared) {}

  /** How often a writer tries to take a ref another writer holds, as containerd's local store. */
  static final int LOCK_ATTEMPTS = 10;

  /**
   * Takes the ref's lock. A writer that has just closed may not have let go yet (a client that
   * closes a Write call and opens the next one at once races the end of the first call's handler),
   * so a held ref is tried {@link #LOCK_ATTEMPTS} times with a random pause of up to 2^n ms after
   * the n-th try (under a second in all) before UNAVAILABLE, as containerd's local store does.
   */
  private void lockRef(Path dir, String ns, String ref) {
    for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      if (held.add(dir)) {
        return;
      }
      try {
        Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << attempt));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw StoreException.unavailable(
        "ingest ref \"" + ref + "\" in namespace " + ns + " is locked by another writer");
  }

  private void addIngestLease(String ns, String ref, String lease) {
    if (lease != null && !lease.isEmpty()) {
      db.write(
          txn -> {
            LeaseRecords.requireLease(db, txn, ns, lease);
            LeaseRecords.add(db, txn, ns, lease, new Lease.Resource(ref, LeaseRecords.INGESTS));
            return null;
          });
    }
  }

  /** Creates an empty ingest for a ref whose lock the caller holds, under the store lock. */
  IngestDirectory createIngest(String ns, String ref, long total, String expected)
      throws IOException {
    return lock.shared(() -> newIngest(ns, ref, total, expected));
  }

  private IngestDirectory newIngest(String ns, String ref, long total, String expected)
      throws IOException {
    try {
      return IngestDirectory.create(layout, ns, ref, total, expected, Instant.now());
    } catch (FileAlreadyExistsException e) {
      throw new IOException(
          "ingest directory " + layout.ingest(ns, ref) + " appeared while creating", e);
    }
  }

  /**
   * The blob another namespace holds that a writer in {@code ns} may take without its bytes: under
   * {@link ContentSharingPolicy#SHARED} any namespace's, under {@link
   * ContentSharingPolicy#ISOLATED} only a namespace's labelled {@code
   * containerd.io/namespace.shareable=true} (containerd's {@code metadata/content.go}). A declared
   * size other than the blob's shares nothing: the client uploads as usual.
   */
  private Optional<ContentInfo> shareable(String ns, String digest, long size) {
    Optional<ContentInfo> found =
        db.read(
            txn -> {
              for (String other : db.namespaceNames(txn)) {
                if (other.equals(ns)) {
                  continue;
                }
                byte[] v = db.content.get(txn, MetadataDb.key(other, digest));
                if (v == null) {
                  continue;
                }
                if (sharing == ContentSharingPolicy.SHARED
                    || "true"
                        .equals(
                            db.namespaceLabels(txn, other)
                                .get(ContentSharingPolicy.SHAREABLE_LABEL))) {
                  return Optional.of(RecordCodec.decodeContent(v));
                }
              }
              return Optional.<ContentInfo>empty();
            });
    return found.filter(
        info -> (size <= 0 || size == info.size()) && Files.exists(layout.blob(digest)));
  }

  /** The file of a committed blob, whoever holds it; for a shared writer's copy. */
  Path blobPath(String digest) {
    return layout.blob(digest);
  }

  /**
   * True when the namespace has the blob; then it is also added to the lease, as containerd does.
   */
  private boolean alreadyHeld(String ns, String digest, String lease) {
    return db.write(
        txn -> {
          if (db.content.get(txn, MetadataDb.key(ns, digest)) == null) {
            return false;
          }
          if (lease != null && !lease.isEmpty()) {
            LeaseRecords.requireLease(db, txn, ns, lease);
            LeaseRecords.add(db, txn, ns, lease, new Lease.Resource(digest, LeaseRecords.CONTENT));
          }
          return true;
        });
  }

  private static void checkResume(IngestDirectory ingest, long size, String expected) {
    if (expected != null && ingest.expected() != null && !expected.equals(ingest.expected())) {
      throw StoreException.failedPrecondition(
          "ingest ref \""
              + ingest.ref()
              + "\" expects "
              + ingest.expected()
              + ", not "
              + expected
              + "; abort it first");
    }
    if (size > 0 && ingest.total() > 0 && size != ingest.total()) {
      throw StoreException.failedPrecondition(
          "ingest ref \""
              + ingest.ref()
              + "\" expects "
              + ingest.total()
              + " bytes, not "
              + size
              + "; abort it first");
    }
  }

  /**
   * Commits a verified ingest: the data file (already fsynced and checked by the writer) is renamed
   * under its digest unless the blob is there, the directory entry made durable, the ingest
   * removed, and the namespace's record written with the lease, all while the collector is kept
   * out.
   *
   * @return the record, and whether the namespace already had the blob
   */
  CommitOutcome commit(
      IngestDirectory ingest, String digest, long size, Map<String, String> labels, String lease)
      throws IOException {
    return lock.shared(
        () -> {
          Path blob = layout.blob(digest);
          if (!Files.exists(blob)) {
            try {
              Files.move(ingest.data(), blob, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
              throw StoreException.notFound(
                  "ingest ref \""
                      + ingest.ref()
                      + "\" in namespace "
                      + ingest.namespace()
                      + " was aborted while it was being written");
            }
            ContentLayout.fsyncDirectory(layout.blobs);
          }
          FileTrees.delete(ingest.dir());
          return record(ingest.namespace(), ingest.ref(), digest, size, labels, lease);
        });
  }

  /**
   * Commits a shared writer's blob: the bytes are already in the store, so only the namespace's
   * record is written (with the lease), as containerd's metadata store does for a writer that never
   * wrote.
   */
  CommitOutcome commitShared(
      String ns, String ref, String digest, long size, Map<String, String> labels, String lease)
      throws IOException {
    return lock.shared(
        () -> {
          if (!Files.exists(layout.blob(digest))) {
            throw StoreException.notFound(
                "content " + digest + " was removed before ingest ref \"" + ref + "\" committed");
          }
          return record(ns, ref, digest, size, labels, lease);
        });
  }

  /**
   * Writes the namespace's record of a blob whose bytes are in place; the caller holds the lock.
   */
  private CommitOutcome record(
      String ns, String ref, String digest, long size, Map<String, String> labels, String lease) {
    return db.write(
        txn -> {
          db.touchNamespace(txn, ns);
          LeaseRecords.forgetIngest(db, txn, ns, ref);
          if (lease != null && !lease.isEmpty()) {
            if (db.leases.get(txn, MetadataDb.key(ns, lease)) != null) {
              LeaseRecords.add(
                  db, txn, ns, lease, new Lease.Resource(digest, LeaseRecords.CONTENT));
            }
          }
          byte[] k = MetadataDb.key(ns, digest);
          byte[] existing = db.content.get(txn, k);
          if (existing != null) {
            return new CommitOutcome(RecordCodec.decodeContent(existing), true);
          }
          Instant now = Instant.now();
          ContentInfo info = new ContentInfo(digest, size, now, now, labels);
          db.content.put(txn, k, RecordCodec.encode(info));
          return new CommitOutcome(info, false);
        });
  }

  record CommitOutcome(ContentInfo info, boolean alreadyExisted) {}

  void opened(IngestWriter writer, IngestDirectory ingest) {
    live.put(ingest.dir(), writer);
  }

  void release(IngestDirectory ingest) {
    live.remove(ingest.dir());
    held.remove(ingest.dir());
  }

  /** Lets go of a ref's lock taken by {@link #writer}. */
  void releaseRef(String namespace, String ref) {
    held.remove(layout.ingest(namespace, ref));
  }

  boolean isHeld(Path ingestDir) {
    return held.contains(ingestDir);
  }

  @Override
  public Optional<IngestStatus> status(String namespace, String ref) {
    NamespaceRules.require(namespace);
    try {
      return statusOf(layout.ingest(namespace, ref));
    } catch (IOException e) {
      throw new StoreException(
          StatusCode.INTERNAL, "status of ingest ref \"" + ref + "\": " + e.getMessage(), e);
    }
  }

  /** An ingest's status: its open writer's when it has one, else what its files show. */
  private Optional<IngestStatus> statusOf(Path dir) throws IOException {
    Optional<IngestDirectory> ingest = IngestDirectory.read(dir);
    if (ingest.isEmpty()) {
      return Optional.empty();
    }
    IngestWriter writer = live.get(dir);
    if (writer != null) {
      return Optional.of(writer.status());
    }
    try {
      return Optional.of(ingest.get().status());
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    }
  }

  @Override
  public List<IngestStatus> listStatuses(String namespace, List<String> filters) {
    NamespaceRules.require(namespace);
    Filter filter = Filter.parseAny(filters);
    List<IngestStatus> out = new ArrayList<>();
    try {
      for (Path dir : layout.ingestDirectories()) {
        Optional<IngestDirectory> ingest = IngestDirectory.read(dir);
        if (ingest.isEmpty() || !ingest.get().namespace().equals(namespace)) {
          continue;
        }
        Optional<IngestStatus> s = statusOf(dir);
        if (s.isPresent() && filter.matches(path -> ingestField(s.get(), path))) {
          out.add(s.get());
        }
      }
    } catch (IOException e) {
      throw new StoreException(StatusCode.INTERNAL, "list ingests: " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(IngestStatus::ref));
    return out;
  }

  private static Optional<String> ingestField(IngestStatus s, List<String> path) {
    return switch (path.getFirst()) {
      case "ref" -> path.size() == 1 ? Optional.of(s.ref()) : Optional.empty();
      case "expected" -> path.size() == 1 ? Optional.of(s.expected()) : Optional.empty();
      default -> Optional.empty();
    };
  }

  /**
   * Removes the ingest whether or not a writer holds it, as containerd's Abort does. A writer still
   * open on it keeps its lock until it closes; its commit then fails NOT_FOUND.
   */
  @Override
  public void abort(String namespace, String ref) throws IOException {
    NamespaceRules.require(namespace);
    Path dir = layout.ingest(namespace, ref);
    lock.shared(
        () -> {
          if (IngestDirectory.read(dir).isEmpty()) {
            throw StoreException.notFound(
                "ingest ref \"" + ref + "\" not found in namespace " + namespace);
          }
          FileTrees.delete(dir);
          db.write(
              txn -> {
                LeaseRecords.forgetIngest(db, txn, namespace, ref);
                return null;
              });
          return null;
        });
  }

  @Override
  public Optional<ContentInfo> share(String namespace, String digest) {
    NamespaceRules.require(namespace);
    Sha256.hexOf(digest);
    // Under the shared lock, as a commit: the collector cannot remove the file between finding
    // another namespace's record and writing this one.
    try {
      return lock.shared(
          () ->
              db.write(
                  txn -> {
                    byte[] k = MetadataDb.key(namespace, digest);
                    byte[] mine = db.content.get(txn, k);
                    if (mine != null) {
                      return Optional.of(RecordCodec.decodeContent(mine));
                    }
                    for (String ns : db.namespaceNames(txn)) {
                      byte[] theirs = db.content.get(txn, MetadataDb.key(ns, digest));
                      if (theirs != null && Files.exists(layout.blob(digest))) {
                        Instant now = Instant.now();
                        long size = RecordCodec.decodeContent(theirs).size();
                        ContentInfo info = new ContentInfo(digest, size, now, now, Map.of());
                        db.touchNamespace(txn, namespace);
                        db.content.put(txn, k, RecordCodec.encode(info));
                        return Optional.of(info);
                      }
                    }
                    return Optional.<ContentInfo>empty();
                  }));
    } catch (IOException e) {
      throw new StoreException(
          StatusCode.INTERNAL, "share content " + digest + ": " + e.getMessage(), e);
    }
  }

  static StoreException notFound(String namespace, String digest) {
    return StoreException.notFound("content " + digest + " not found in namespace " + namespace);
  }
}
