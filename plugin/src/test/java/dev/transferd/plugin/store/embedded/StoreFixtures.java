package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.WriteRequest;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Small helpers shared by the embedded store's tests. */
final class StoreFixtures {
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String INDEX = "application/vnd.oci.image.index.v1+json";

  private StoreFixtures() {}

  /** A store whose collector runs only when a test asks. */
  static EmbeddedStore openQuiet(Path root) throws IOException {
    return EmbeddedStore.open(
        root,
        EmbeddedStoreOptions.defaults()
            .withGcInterval(Duration.ZERO)
            .withGcDelayAfterDelete(Duration.ZERO));
  }

  static ContentInfo put(Store store, String ns, String text, Map<String, String> labels)
      throws IOException {
    return put(store, ns, text, labels, null);
  }

  static ContentInfo put(
      Store store, String ns, String text, Map<String, String> labels, String lease)
      throws IOException {
    return put(store, ns, text.getBytes(StandardCharsets.UTF_8), labels, lease);
  }

  static ContentInfo put(
      Store store, String ns, byte[] data, Map<String, String> labels, String lease)
      throws IOException {
    String digest = ContentStoreContract.sha256(data);
    try (ContentWriter w =
        store.content().writer(WriteRequest.of(ns, "put-" + digest).underLease(lease))) {
      w.write(data);
      return w.commit(data.length, digest, labels);
    }
  }

  static Descriptor descriptor(ContentInfo info, String mediaType) {
    return Descriptor.newBuilder()
        .setDigest(info.digest())
        .setSize(info.size())
        .setMediaType(mediaType)
        .build();
  }

  static Descriptor descriptor(String digest) {
    return Descriptor.newBuilder().setDigest(digest).setSize(10).setMediaType(MANIFEST).build();
  }
}
