package dev.transferd.plugin.transfer;

import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.streams.callback.ProgressReporter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registry to registry (containerd: "not implemented"): copies an image between repositories
 * without storing it locally. Blobs stream from the source into the destination's uploads, a mount
 * replaces the upload when both are on the same registry; then manifests children first by digest,
 * and the root by the destination's tag (or digest). All platforms are copied.
 *
 * <p>Progress: {@code Copying from <source> to <destination>}, per blob {@code waiting}, {@code
 * uploading}, {@code complete} or {@code already exists}, then {@code Completed copy to
 * <destination>}.
 */
final class RegistryCopyOperation implements TransferOperation<RegistryEndpoint, RegistryEndpoint> {
  private final RegistryLimits limits;

  RegistryCopyOperation(RegistryLimits limits) {
    this.limits = limits;
  }

  @Override
  public void run(TransferContext context, RegistryEndpoint source, RegistryEndpoint destination)
      throws Exception {
    ProgressReporter progress = context.progress();
    RegistryClient from = source.client(context.settings());
    RegistryClient to = destination.client(context.settings());
    progress.report("Copying from " + source + " to " + destination);
    Descriptor root = from.resolve();
    RemoteGraph graph =
        RemoteGraph.walk(
            from, root, from.reference().toString(), RemoteGraph.Filter.ALL, context::countBytes);
    boolean sameRegistry = from.registryHost().equals(to.registryHost());
    List<String> mountFrom = sameRegistry ? List.of(from.reference().repository()) : List.of();
    List<BlobTasks.Task> tasks = new ArrayList<>();
    for (RemoteGraph.Blob blob : graph.blobs.values()) {
      tasks.add(() -> copyBlob(context, from, to, blob, mountFrom));
    }
    BlobTasks.runAll(limits.uploads(), tasks);
    for (RemoteGraph.Node node : graph.manifests) {
      boolean isRoot = node.desc().getDigest().equals(root.getDigest());
      String target =
          isRoot && to.reference().digest() == null
              ? (to.reference().tag() == null ? "latest" : to.reference().tag())
              : node.desc().getDigest();
      if (!isRoot && to.exists(node.desc())) {
        continue;
      }
      to.pushManifest(node.desc(), node.bytes(), target);
      context.countBytes(node.bytes().length);
    }
    BlobProgress.imageEvent(progress, "Completed copy to " + destination, "", root);
  }

  static void copyBlob(
      TransferContext context,
      RegistryClient from,
      RegistryClient to,
      RemoteGraph.Blob blob,
      List<String> mountFrom)
      throws Exception {
    Descriptor d = blob.desc();
    BlobProgress events = new BlobProgress(context, "uploading", d, blob.parents());
    events.waiting();
    if (to.exists(d)) {
      events.alreadyExists();
      return;
    }
    AtomicLong sent = new AtomicLong();
    to.pushBlob(
        d,
        offset -> {
          sent.set(offset);
          return new Counting(from.fetch(d, offset), sent, events);
        },
        mountFrom);
    events.complete();
  }

  /** Counts bytes read for {@code uploading} events. */
  static final class Counting extends FilterInputStream {
    private final AtomicLong count;
    private final BlobProgress events;

    Counting(InputStream in, AtomicLong count, BlobProgress events) {
      super(in);
      this.count = count;
      this.events = events;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        events.moved(1);
        events.active(count.incrementAndGet(), false);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        events.moved(n);
        events.active(count.addAndGet(n), false);
      }
      return n;
    }
  }
}
