package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.ProxyNamespace;
import dev.transferd.plugin.store.Store.GcResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lmdbjava.Txn;

/**
 * Mark and sweep, per namespace, like containerd's metadata GC:
 *
 * <ul>
 *   <li>roots: images (unless their {@code containerd.io/gc.expire} has passed), content labelled
 *       {@code containerd.io/gc.root}, and the content resources of unexpired leases;
 *   <li>edges: a content record's {@code containerd.io/gc.ref.content*} labels name children (same
 *       namespace), followed transitively;
 *   <li>sweep: unmarked content records, expired leases and images; then blob files no namespace
 *       records; then ingests untouched for the stale age that no lease or open writer holds.
 * </ul>
 *
 * Marking and the record sweep run inside one metadata write transaction, so no other change
 * interleaves; the whole collection holds the {@link StoreLock} exclusively, so no commit renames a
 * file in meanwhile.
 */
final class GarbageCollector {
  private final ContentLayout layout;
  private final MetadataDb db;
  private final StoreLock lock;
  private final EmbeddedContentStore content;
  private final Duration staleIngestAge;

  GarbageCollector(
      ContentLayout layout,
      MetadataDb db,
      StoreLock lock,
      EmbeddedContentStore content,
      Duration staleIngestAge) {
    this.layout = layout;
    this.db = db;
    this.lock = lock;
    this.content = content;
    this.staleIngestAge = staleIngestAge;
  }

  /** What the record sweep leaves for the file sweep. */
  private record Marked(Set<String> liveDigests, Map<String, Set<String>> leasedIngests) {}

  GcResult collect() throws IOException {
    return lock.exclusively(
        () -> {
          Instant now = Instant.now();
          Marked marked = db.write(txn -> markAndSweepRecords(txn, now));
          int blobs = 0;
          long bytes = 0;
          for (String digest : layout.blobDigests()) {
            if (!marked.liveDigests().contains(digest)) {
              Path file = layout.blob(digest);
              long size = sizeOf(file);
              if (Files.deleteIfExists(file)) {
                blobs++;
                bytes += size;
              }
            }
          }
          int ingests = sweepIngests(marked.leasedIngests(), now);
          return new GcResult(blobs, bytes, ingests);
        });
  }

  private Marked markAndSweepRecords(Txn<byte[]> txn, Instant now) {
    Set<String> live = new HashSet<>();
    Map<String, Set<String>> leasedIngests = new HashMap<>();
    for (String ns : db.namespaceNames(txn)) {
      Map<String, ContentInfo> records = new HashMap<>();
      for (byte[] v : MetadataDb.valuesWithPrefix(db.content, txn, MetadataDb.prefix(ns))) {
        ContentInfo info = RecordCodec.decodeContent(v);
        records.put(info.digest(), info);
      }
      Deque<String> roots = new ArrayDeque<>();
      for (ContentInfo info : records.values()) {
        // containerd's collector owns the proxy namespace's blobs: they go when it deletes them.
        if (ns.equals(ProxyNamespace.NAME) || info.labels().containsKey(LabelRules.GC_ROOT)) {
          roots.add(info.digest());
        }
      }
      for (byte[] v : MetadataDb.valuesWithPrefix(db.images, txn, MetadataDb.prefix(ns))) {
        Image image = RecordCodec.decodeImage(v);
        if (LabelRules.expired(image.labels(), now)) {
          db.images.delete(txn, MetadataDb.key(ns, image.name()));
        } else {
          roots.add(image.target().getDigest());
        }
      }
      Set<String> ingests = new HashSet<>();
      for (byte[] v : MetadataDb.valuesWithPrefix(db.leases, txn, MetadataDb.prefix(ns))) {
        Lease lease = RecordCodec.decodeLease(v);
        if (LabelRules.expired(lease.labels(), now)) {
          db.leases.delete(txn, MetadataDb.key(ns, lease.id()));
          for (byte[] k :
              MetadataDb.keysWithPrefix(
                  db.leaseResources, txn, MetadataDb.prefix(ns, lease.id()))) {
            db.leaseResources.delete(txn, k);
          }
          continue;
        }
        for (Lease.Resource r : LeaseRecords.resources(db, txn, ns, lease.id())) {
          if (r.type().equals(LeaseRecords.CONTENT)) {
            roots.add(r.id());
          } else if (r.type().equals(LeaseRecords.INGESTS)) {
            ingests.add(r.id());
          }
        }
      }
      leasedIngests.put(ns, ingests);

      Set<String> reached = new HashSet<>();
      while (!roots.isEmpty()) {
        String digest = roots.poll();
        ContentInfo info = records.get(digest);
        if (info == null || !reached.add(digest)) {
          continue;
        }
        for (Map.Entry<String, String> label : info.labels().entrySet()) {
          if (label.getKey().startsWith(LabelRules.GC_REF_CONTENT)) {
            roots.add(label.getValue());
          }
        }
      }
      for (String digest : records.keySet()) {
        if (!reached.contains(digest)) {
          db.content.delete(txn, MetadataDb.key(ns, digest));
        }
      }
      live.addAll(reached);
    }
    return new Marked(live, leasedIngests);
  }

  private int sweepIngests(Map<String, Set<String>> leasedIngests, Instant now) throws IOException {
    int removed = 0;
    Instant staleBefore = now.minus(staleIngestAge);
    List<Path> dirs = new ArrayList<>(layout.ingestDirectories());
    for (Path dir : dirs) {
      if (content.isHeld(dir)) {
        continue;
      }
      Optional<IngestDirectory> ingest = IngestDirectory.read(dir);
      if (ingest.isEmpty()) {
        continue;
      }
      IngestDirectory in = ingest.get();
      if (leasedIngests.getOrDefault(in.namespace(), Set.of()).contains(in.ref())) {
        continue;
      }
      Instant updated;
      try {
        updated = Files.getLastModifiedTime(in.data()).toInstant();
      } catch (NoSuchFileException e) {
        continue;
      }
      if (updated.isBefore(staleBefore) || updated.equals(staleBefore)) {
        FileTrees.delete(dir);
        removed++;
      }
    }
    return removed;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}
