package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.ContentWriter;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.store.WriteRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link CrashSafetyTest}: writes, resumes, abandons and commits blobs and
 * records images in a loop until it is killed, printing one line per commit.
 */
public final class CrashingWriterMain {
  private CrashingWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    Random random = new Random(seed);
    try (EmbeddedStore store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO))) {
      for (long i = 0; ; i++) {
        byte[] data = new byte[1024 + random.nextInt(2 << 20)];
        random.nextBytes(data);
        String ref = "layer-" + seed + "-" + i;
        if (i % 3 == 1) {
          // An ingest left behind half written, as a client that went away would.
          try (ContentWriter w =
              store.content().writer(WriteRequest.of("default", "left-" + ref))) {
            w.write(data, 0, data.length / 2);
          }
        }
        int split = data.length / 3;
        try (ContentWriter w = store.content().writer(WriteRequest.of("default", ref))) {
          w.write(data, 0, split);
        }
        ContentInfo info;
        try (ContentWriter w = store.content().writer(WriteRequest.of("default", ref))) {
          w.write(data, split, data.length - split);
          info = w.commit(data.length, null, Map.of("seq", Long.toString(i)));
        } catch (StoreException e) {
          continue;
        }
        if (i % 4 == 0) {
          store
              .images()
              .store(
                  "default",
                  java.util.List.of(
                      new dev.transferd.plugin.store.ImageStore.Write(
                          Image.of(
                              "crash/app:" + i,
                              StoreFixtures.descriptor(info, StoreFixtures.MANIFEST)),
                          true)));
        }
        System.out.println("committed " + info.digest());
        System.out.flush();
      }
    }
  }
}
