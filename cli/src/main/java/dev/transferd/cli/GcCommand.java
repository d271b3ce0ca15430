package dev.transferd.cli;

import dev.transferd.cli.progress.ByteSizes;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.proto.content.v1.Status;
import dev.transferd.ttrpc.TtrpcException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;

/**
 * {@code transferctl gc}: runs the daemon's garbage collector now and prints what it freed. There
 * is no collection call in containerd's API; as {@code ctr leases rm --sync} does, this creates a
 * lease and deletes it with {@code sync}, which answers once a collection has run. What was freed
 * is what the store held, in every namespace, before the call and no longer does after it: blobs
 * (by digest, once no namespace holds them) and uploads in progress. Work the daemon does meanwhile
 * (a transfer committing an upload) shows there too.
 */
@Command(name = "gc", description = "Run the garbage collector now and print what it freed.")
final class GcCommand extends Subcommand {

  /**
   * Everything the store holds, across namespaces: blob sizes by digest, ingest sizes by ns/ref.
   */
  private record Held(Map<String, Long> blobs, Map<String, Long> ingests) {}

  private static Held held(Transferctl cli, StoreCalls calls) {
    Map<String, Long> blobs = new TreeMap<>();
    Map<String, Long> ingests = new TreeMap<>();
    for (String ns : calls.namespaces()) {
      for (Info info : new Api(cli.client(), ns).listContent(List.of())) {
        blobs.put(info.getDigest(), info.getSize());
      }
      for (Status status : calls.ingests(ns, List.of())) {
        ingests.put(ns + "/" + status.getRef(), status.getOffset());
      }
    }
    return new Held(blobs, ingests);
  }

  @Override
  void run(Transferctl cli) {
    StoreCalls calls = new StoreCalls(cli.client());
    Held before;
    Held after;
    try {
      before = held(cli, calls);
      String lease = calls.createLease(cli.namespace(), "");
      calls.deleteLease(cli.namespace(), lease, true);
      after = held(cli, calls);
    } catch (TtrpcException e) {
      throw new CommandFailedException("collect garbage", e);
    }
    long blobBytes = 0;
    int blobCount = 0;
    for (Map.Entry<String, Long> blob : before.blobs().entrySet()) {
      if (!after.blobs().containsKey(blob.getKey())) {
        cli.out.println("removed blob " + blob.getKey() + " " + ByteSizes.format(blob.getValue()));
        blobCount++;
        blobBytes += blob.getValue();
      }
    }
    long ingestBytes = 0;
    int ingestCount = 0;
    for (Map.Entry<String, Long> ingest : before.ingests().entrySet()) {
      if (!after.ingests().containsKey(ingest.getKey())) {
        cli.out.println(
            "removed ingest " + ingest.getKey() + " " + ByteSizes.format(ingest.getValue()));
        ingestCount++;
        ingestBytes += ingest.getValue();
      }
    }
    cli.out.println(
        "freed "
            + ByteSizes.format(blobBytes + ingestBytes)
            + ": "
            + plural(blobCount, "blob")
            + ", "
            + plural(ingestCount, "ingest"));
  }

  private static String plural(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
