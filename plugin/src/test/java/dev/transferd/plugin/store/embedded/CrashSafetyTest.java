package dev.transferd.plugin.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Store.GcResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes and commits in a loop and is killed with SIGKILL at a random moment, several
 * times over the same root. Each time the store must open cleanly, hold no blob whose bytes differ
 * from its name, keep every record's file, and lose its leftovers to the next collection.
 */
class CrashSafetyTest {
  private static final int KILLS = 4;

  @TempDir Path root;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void killedWritersLeaveAStoreThatOpensCleanAndCollectsItsLeftovers() throws Exception {
    Random random = new Random();
    int committedBeforeKills = 0;
    for (int round = 0; round < KILLS; round++) {
      Process child = startChild(round);
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        int want = 3 + random.nextInt(6);
        for (int i = 0; i < want; i++) {
          String line = out.readLine();
          if (line == null) {
            throw new AssertionError(
                "child ended early: " + new String(child.getErrorStream().readAllBytes()));
          }
          committedBeforeKills++;
        }
        Thread.sleep(random.nextInt(40));
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      }
      checkConsistent(false);
    }
    assertTrue(committedBeforeKills >= KILLS * 3);
    checkConsistent(true);
  }

  private void checkConsistent(boolean collect) throws IOException {
    try (EmbeddedStore store =
        EmbeddedStore.open(
            root,
            EmbeddedStoreOptions.defaults()
                .withGcInterval(Duration.ZERO)
                .withGcDelayAfterDelete(Duration.ZERO)
                .withStaleIngestAge(Duration.ZERO))) {
      ContentLayout layout = new ContentLayout(root);
      for (String digest : layout.blobDigests()) {
        assertEquals(digest, sha256(layout.blob(digest)), "no half blob under a digest name");
      }
      List<ContentInfo> records = store.content().list("default", List.of());
      for (ContentInfo info : records) {
        assertEquals(info.size(), Files.size(layout.blob(info.digest())), info.digest());
      }
      List<Image> images = store.images().list("default", List.of());
      for (Image image : images) {
        assertTrue(
            store.content().info("default", image.target().getDigest()).isPresent(),
            "image target recorded: " + image.name());
      }
      store.content().listStatuses("default", List.of());
      assertEquals(List.of(), tempEntries(layout), "temp files were cleaned at open");
      if (!collect) {
        return;
      }
      GcResult result = store.collectGarbage();
      assertTrue(result.blobsRemoved() > 0, "unreferenced blobs collected: " + result);
      assertTrue(result.ingestsRemoved() > 0, "abandoned ingests collected: " + result);
      Set<String> targets = new HashSet<>();
      images.forEach(i -> targets.add(i.target().getDigest()));
      assertEquals(targets, new HashSet<>(layout.blobDigests()), "only image targets remain");
      assertEquals(List.of(), layout.ingestDirectories(), "no ingest remains");
    }
  }

  private static List<Path> tempEntries(ContentLayout layout) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.ingests, ".tmp-*")) {
      dir.forEach(out::add);
    }
    return out;
  }

  private Process startChild(int round) throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    String classpath =
        Files.readString(target.resolve("bench-classpath.txt")).strip()
            + java.io.File.pathSeparator
            + target.resolve("test-classes")
            + java.io.File.pathSeparator
            + target.resolve("classes");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx128m"));
    // The flags LMDB's native access needs on this JDK, as surefire gave them to us.
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            classpath,
            CrashingWriterMain.class.getName(),
            root.toString(),
            Long.toString(round + 1)));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
