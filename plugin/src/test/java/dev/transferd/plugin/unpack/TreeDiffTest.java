package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entries a diff of two trees writes: what changed, parents first, and nothing else. */
class TreeDiffTest {
  private static final FileTime OLD = FileTime.from(Instant.parse("2024-01-01T00:00:00Z"));

  @TempDir Path tmp;
  private Path before;
  private Path after;

  @BeforeEach
  void trees() throws IOException {
    before = Files.createDirectory(tmp.resolve("before"));
    after = Files.createDirectory(tmp.resolve("after"));
    for (Path root : List.of(before, after)) {
      Files.createDirectories(root.resolve("etc/conf.d"));
      Files.writeString(root.resolve("etc/conf.d/a"), "a");
      Files.writeString(root.resolve("etc/hosts"), "hosts");
      Files.createDirectories(root.resolve("var/cache/x"));
      Files.writeString(root.resolve("var/cache/x/blob"), "blob");
      Files.writeString(root.resolve("same-size"), "aaaa");
      for (String p :
          List.of(
              "etc/conf.d/a",
              "etc/hosts",
              "var/cache/x/blob",
              "same-size",
              "var/cache/x",
              "var/cache",
              "var",
              "etc/conf.d",
              "etc")) {
        Files.setLastModifiedTime(root.resolve(p), OLD);
      }
    }
  }

  @Test
  void unchangedTreesGiveNoEntries() throws IOException {
    assertEquals(List.of(), names());
  }

  @Test
  void aRemovedDirectoryIsOneWhiteout() throws IOException {
    LayerApplierTestSupport.deleteTree(after.resolve("var/cache"));
    Files.setLastModifiedTime(after.resolve("var"), OLD);

    assertEquals(List.of("var/.wh.cache"), names());
  }

  @Test
  void sameSizeAndWholeSecondMtimeStillComparesContent() throws IOException {
    Files.writeString(after.resolve("same-size"), "bbbb");
    Files.setLastModifiedTime(after.resolve("same-size"), OLD);

    assertEquals(List.of("same-size"), names());
  }

  @Test
  void additionsComeWithTheirNewParentsParentsFirst() throws IOException {
    Files.createDirectories(after.resolve("opt/app"));
    Files.writeString(after.resolve("opt/app/run"), "run");
    Files.createLink(after.resolve("opt/app/run2"), after.resolve("opt/app/run"));

    assertEquals(
        List.of("opt/", "opt/app/", "opt/app/run", "opt/app/run2 -> opt/app/run"), names());
  }

  @Test
  void aFileReplacedByADirectoryIsWrittenWithItsChildren() throws IOException {
    Files.delete(after.resolve("etc/hosts"));
    Files.createDirectory(after.resolve("etc/hosts"));
    Files.writeString(after.resolve("etc/hosts/one"), "1");
    Files.setLastModifiedTime(after.resolve("etc"), OLD);

    assertEquals(List.of("etc/hosts/", "etc/hosts/one"), names());
  }

  private List<String> names() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeDiff.write(before, after, out);
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(
            new GZIPInputStream(new ByteArrayInputStream(out.toByteArray())))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        names.add(e.getName() + (e.isLink() ? " -> " + e.getLinkName() : ""));
      }
    }
    return names;
  }
}
