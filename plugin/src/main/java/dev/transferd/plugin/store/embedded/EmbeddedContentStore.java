package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
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
  private final Set<Path> held = ConcurrentHashMap.newKeySet();

  EmbeddedContentStore(ContentLayout layout, MetadataDb db, StoreLock lock, Runnable afterDelete) {
    this.layout = layout;
    this.db = db;
    this.lock = lock;
    this.afterDelete = afterDelete;
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
    if (!held.add(dir)) {
      throw StoreException.unavailable(
          "ingest ref \"" + ref + "\" in namespace " + ns + " is locked by another writer");
    }
    try {
      String exp = expected;
      IngestDirectory ingest =
          lock.shared(
              () -> {
                if (lease != null && !lease.isEmpty()) {
                  db.write(
                      txn -> {
                        LeaseRecords.requireLease(db, txn, ns, lease);
                        LeaseRecords.add(
                            db, txn, ns, lease, new Lease.Resource(ref, LeaseRecords.INGESTS));
                        return null;
                      });
                }
                Optional<IngestDirectory> existing = IngestDirectory.read(dir);
                if (existing.isPresent()) {
                  checkResume(existing.get(), request.expectedSize(), exp);
                  return existing.get();
                }
                try {
                  return IngestDirectory.create(
                      layout, ns, ref, request.expectedSize(), exp, Instant.now());
                } catch (FileAlreadyExistsException e) {
                  throw new IOException("ingest directory " + dir + " appeared while creating", e);
                }
              });
      return IngestWriter.open(this, ingest, lease);
    } catch (IOException | RuntimeException e) {
      held.remove(dir);
      throw e;
    }
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
            Files.move(ingest.data(), blob, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ContentLayout.fsyncDirectory(layout.blobs);
          }
          FileTrees.delete(ingest.dir());
          String ns = ingest.namespace();
          return db.write(
              txn -> {
                db.touchNamespace(txn, ns);
                LeaseRecords.forgetIngest(db, txn, ns, ingest.ref());
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
        });
  }

  record CommitOutcome(ContentInfo info, boolean alreadyExisted) {}

  /** Drops a failed ingest (mismatched size or digest). */
  void discard(IngestDirectory ingest) throws IOException {
    FileTrees.delete(ingest.dir());
    db.write(
        txn -> {
          LeaseRecords.forgetIngest(db, txn, ingest.namespace(), ingest.ref());
          return null;
        });
  }

  void release(IngestDirectory ingest) {
    held.remove(ingest.dir());
  }

  boolean isHeld(Path ingestDir) {
    return held.contains(ingestDir);
  }

  @Override
  public Optional<IngestStatus> status(String namespace, String ref) {
    NamespaceRules.require(namespace);
    try {
      Optional<IngestDirectory> ingest = IngestDirectory.read(layout.ingest(namespace, ref));
      if (ingest.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(ingest.get().status());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException(
          StatusCode.INTERNAL, "status of ingest ref \"" + ref + "\": " + e.getMessage(), e);
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
        IngestStatus s;
        try {
          s = ingest.get().status();
        } catch (NoSuchFileException gone) {
          continue;
        }
        if (filter.matches(path -> ingestField(s, path))) {
          out.add(s);
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

  @Override
  public void abort(String namespace, String ref) throws IOException {
    NamespaceRules.require(namespace);
    Path dir = layout.ingest(namespace, ref);
    if (!held.add(dir)) {
      throw StoreException.unavailable(
          "ingest ref \"" + ref + "\" in namespace " + namespace + " is locked by a writer");
    }
    try {
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
    } finally {
      held.remove(dir);
    }
  }

  static StoreException notFound(String namespace, String digest) {
    return StoreException.notFound("content " + digest + " not found in namespace " + namespace);
  }
}
