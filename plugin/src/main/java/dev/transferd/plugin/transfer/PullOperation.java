package dev.transferd.plugin.transfer;

import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.plugin.registry.RegistryException;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.callback.ProgressReporter;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registry to image store (docs/protocol/transfer.md §8.1): resolve, fetch the manifests the
 * ImageStore filter keeps, download configs and layers concurrently under the service-wide {@code
 * max_concurrent_downloads} through ingests named by ref key (so a broken download, or one left by
 * a stopped daemon, continues with a {@code Range} request from the ingest's offset; with {@code
 * concurrent_layer_fetch_buffer} a large blob is fetched as parallel ranges, see {@link
 * RangedDownload}), commit manifests children first with their GC and {@code distribution.source}
 * labels, then write the image records. All under the caller's {@code containerd-lease}, which then
 * keeps every blob the pull wrote or found, or else a temporary lease of our own ({@link
 * OperationLease}).
 */
final class PullOperation implements TransferOperation<RegistryEndpoint, ImageStoreEndpoint> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(PullOperation.class);
  private static final int BUFFER = 256 * 1024;
  private static final int MAX_RESUMES = 5;

  private final Store store;
  private final RegistryLimits limits;
  private final Clock clock;

  PullOperation(Store store, RegistryLimits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public void run(TransferContext context, RegistryEndpoint source, ImageStoreEndpoint destination)
      throws Exception {
    String ns = context.namespace();
    ProgressReporter progress = context.progress();
    RegistryClient client = source.client(context.settings());
    progress.report("Resolving from " + source);
    Descriptor root = client.resolve();
    progress.report("Pulling from " + source);
    String imageName = client.reference().toString();
    BlobProgress.imageEvent(progress, "fetching image content", imageName, root);
    try (OperationLease lease = OperationLease.of(context, store.leases(), clock)) {
      var spec = destination.spec();
      // As containerd: an index or manifest already in the store is read from there, so a
      // repeat pull costs the registry only the tag's resolution (registries count manifest GETs
      // against pull quotas).
      RemoteGraph.Loader loader =
          d -> {
            if (store.content().info(ns, d.getDigest()).isPresent()) {
              try (InputStream in = store.content().read(ns, d.getDigest(), 0)) {
                byte[] bytes = in.readNBytes(RemoteGraph.MAX_MANIFEST + 1);
                if (bytes.length == d.getSize()) {
                  return bytes;
                }
              }
            }
            byte[] bytes = client.fetchBytes(d, RemoteGraph.MAX_MANIFEST);
            context.countBytes(bytes.length);
            return bytes;
          };
      RemoteGraph graph =
          RemoteGraph.walk(
              loader,
              root,
              imageName,
              new RemoteGraph.Filter(
                  spec.getPlatformsList(), spec.getAllMetadata(), spec.getManifestLimit()));
      String sourceKey = ImageGraph.DISTRIBUTION_SOURCE + client.registryHost();
      String repo = client.reference().repository();
      List<BlobTasks.Task> tasks = new ArrayList<>();
      for (RemoteGraph.Blob blob : graph.blobs.values()) {
        tasks.add(
            () -> {
              BlobProgress events =
                  new BlobProgress(context, "downloading", blob.desc(), blob.parents());
              fetchBlob(
                  ns, lease.id(), client, blob.desc(), events, sourceKey, repo, context.settings());
            });
      }
      BlobTasks.runAll(limits.downloads(), tasks);
      for (RemoteGraph.Node node : graph.manifests) {
        BlobProgress events = new BlobProgress(context, "downloading", node.desc(), node.parents());
        Map<String, String> labels = new LinkedHashMap<>(ImageGraph.gcLabels(node.kept()));
        commitBytes(ns, lease.id(), node.desc(), node.bytes(), labels, events, sourceKey, repo);
      }
      List<ImageStore.Write> writes = ImageNaming.of(spec).writesFor(root);
      if (writes.isEmpty()) {
        throw ImageNaming.noName();
      }
      for (Image saved : store.images().store(ns, writes)) {
        BlobProgress.imageEvent(progress, "saved", saved.name(), saved.target());
      }
      progress.report("Completed pull from " + source);
    }
  }

  private void fetchBlob(
      String ns,
      String lease,
      RegistryClient client,
      Descriptor d,
      BlobProgress events,
      String sourceKey,
      String repo,
      TransferSettings settings)
      throws Exception {
    events.waiting();
    String what = "pull " + ImageGraph.refKey(d) + " from " + client.reference().name();
    WriteRequest request =
        WriteRequest.of(ns, ImageGraph.refKey(d))
            .expecting(d.getSize(), d.getDigest())
            .underLease(lease);
    ContentWriter ingest = openIngest(request, d, events, sourceKey, repo);
    if (ingest == null) {
      return;
    }
    try (ContentWriter writer = ingest) {
      if (writer.offset() > d.getSize()) {
        writer.close();
        store.content().abort(ns, request.ref());
        fetchBlob(ns, lease, client, d, events, sourceKey, repo, settings);
        return;
      }
      if (settings.rangedFetch()
          && settings.maxConcurrentDownloads() > 1
          && d.getSize() - writer.offset() > settings.concurrentLayerFetchBuffer()) {
        boolean whole =
            new RangedDownload(
                    client,
                    d,
                    writer,
                    settings.concurrentLayerFetchBuffer(),
                    limits.downloads(),
                    settings.maxConcurrentDownloads(),
                    events,
                    what)
                .run();
        if (!whole) {
          log.info(
              "{}: the registry does not serve ranges; one stream from byte {}",
              what,
              writer.offset());
        }
      }
      byte[] buffer = new byte[BUFFER];
      int resumes = 0;
      while (writer.offset() < d.getSize()) {
        long before = writer.offset();
        try (InputStream in = client.fetch(d, writer.offset())) {
          int n;
          // Whole buffers: the HTTP client hands over whatever one socket read got (often a few
          // KiB), and each write to the ingest is a syscall and a digest update. Bytes read into a
          // buffer that a failure cuts short are fetched again from the ingest's offset.
          while (writer.offset() < d.getSize()
              && (n =
                      in.readNBytes(
                          buffer, 0, (int) Math.min(buffer.length, d.getSize() - writer.offset())))
                  > 0) {
            writer.write(buffer, 0, n);
            events.moved(n);
            events.active(writer.offset(), false);
          }
        } catch (IOException e) {
          if (writer.offset() == before && ++resumes > MAX_RESUMES) {
            throw new RegistryException(
                StatusCode.UNAVAILABLE,
                what + ": " + e.getMessage() + " (at byte " + before + ")",
                e);
          }
          Thread.sleep(Math.min(2000, 100L << Math.min(resumes, 5)));
          continue; // resume from the ingest's offset
        }
        if (writer.offset() == before && ++resumes > MAX_RESUMES) {
          throw new RegistryException(
              StatusCode.UNAVAILABLE, what + ": the registry sent nothing from byte " + before);
        }
      }
      events.active(writer.offset(), true);
      commit(writer, d, Map.of(sourceKey, repo), what, ns, sourceKey, repo);
    }
    events.complete();
  }

  private void commitBytes(
      String ns,
      String lease,
      Descriptor d,
      byte[] bytes,
      Map<String, String> labels,
      BlobProgress events,
      String sourceKey,
      String repo)
      throws IOException, InterruptedException {
    events.waiting();
    WriteRequest request =
        WriteRequest.of(ns, ImageGraph.refKey(d))
            .expecting(d.getSize(), d.getDigest())
            .underLease(lease);
    ContentWriter ingest = openIngest(request, d, events, sourceKey, repo);
    if (ingest == null) {
      if (!labels.isEmpty()) {
        store.content().update(ns, d.getDigest(), labels, labelPaths(labels));
      }
      return;
    }
    try (ContentWriter writer = ingest) {
      // Complete already: another namespace's blob the store shares, or a finished upload.
      boolean complete = writer.offset() == bytes.length && d.getDigest().equals(writer.digest());
      if (writer.offset() != 0 && !complete) {
        writer.close();
        store.content().abort(ns, request.ref());
        commitBytes(ns, lease, d, bytes, labels, events, sourceKey, repo);
        return;
      }
      if (!complete) {
        writer.write(bytes);
      }
      Map<String, String> all = new LinkedHashMap<>(labels);
      all.put(sourceKey, repo);
      commit(writer, d, all, "pull " + ImageGraph.refKey(d), ns, sourceKey, repo);
    }
    events.complete();
  }

  /**
   * The blob's ingest, or null when the blob is stored (its source label added, "already exists"
   * reported). The ref is the blob's ref key, the same in every pull and across daemon restarts, so
   * a download left behind resumes from the ingest's offset. While another pull holds the ref, this
   * waits (with backoff up to a second, until cancelled) and looks again: that pull either commits
   * the blob or gives the ingest up to this one, as containerd's fetch waits on a locked ref.
   */
  private ContentWriter openIngest(
      WriteRequest request, Descriptor d, BlobProgress events, String sourceKey, String repo)
      throws IOException, InterruptedException {
    String ns = request.namespace();
    long backoff = 20;
    while (true) {
      if (alreadyStored(ns, request.lease(), d, events, sourceKey, repo)) {
        return null;
      }
      try {
        return store.content().writer(request);
      } catch (StoreException e) {
        if (e.code() == StatusCode.ALREADY_EXISTS) {
          continue; // committed between the check and the open: report it as stored
        }
        if (e.code() != StatusCode.UNAVAILABLE) {
          throw e;
        }
        // Locked by another writer. A closed store is UNAVAILABLE too; the next check says so.
      }
      Thread.sleep(backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
  }

  private void commit(
      ContentWriter writer,
      Descriptor d,
      Map<String, String> labels,
      String what,
      String ns,
      String sourceKey,
      String repo)
      throws IOException {
    try {
      writer.commit(d.getSize(), d.getDigest(), labels);
    } catch (StoreException e) {
      if (e.code() == StatusCode.ALREADY_EXISTS) {
        addSource(ns, d, sourceKey, repo);
        return;
      }
      throw new StoreException(e.code(), what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether the blob is stored; if so it joins the lease (as containerd's writer adds existing
   * content to the caller's lease), gets this repository in its source label and is reported as
   * already there.
   */
  private boolean alreadyStored(
      String ns, String lease, Descriptor d, BlobProgress events, String sourceKey, String repo) {
    Optional<ContentInfo> info = store.content().info(ns, d.getDigest());
    if (info.isEmpty()) {
      return false;
    }
    store.leases().addResource(ns, lease, new Lease.Resource(d.getDigest(), "content"));
    addSource(ns, d, sourceKey, repo);
    events.alreadyExists();
    return true;
  }

  private void addSource(String ns, Descriptor d, String sourceKey, String repo) {
    Optional<ContentInfo> info = store.content().info(ns, d.getDigest());
    String existing = info.map(i -> i.labels().get(sourceKey)).orElse(null);
    String merged = ImageGraph.addSource(existing, repo);
    if (!merged.equals(existing)) {
      store
          .content()
          .update(ns, d.getDigest(), Map.of(sourceKey, merged), List.of("labels." + sourceKey));
    }
  }

  private static List<String> labelPaths(Map<String, String> labels) {
    return labels.keySet().stream().map(k -> "labels." + k).toList();
  }
}
