package dev.transferd.plugin.web.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pull endpoint's request values: Range headers, repository names, pages, Accept lists. */
class RequestParsingTest {
  @Test
  void rangesAsRfc9110ReadsThem() {
    assertEquals(new ByteRange.Whole(), ByteRange.of(null, 100));
    assertEquals(new ByteRange.Part(new ByteRange(10, 10)), ByteRange.of("bytes=10-19", 100));
    assertEquals(new ByteRange.Part(new ByteRange(90, 10)), ByteRange.of("bytes=90-", 100));
    assertEquals(new ByteRange.Part(new ByteRange(90, 10)), ByteRange.of("bytes=90-500", 100));
    assertEquals(new ByteRange.Part(new ByteRange(95, 5)), ByteRange.of("bytes=-5", 100));
    assertEquals(new ByteRange.Part(new ByteRange(0, 100)), ByteRange.of("bytes=-500", 100));
    assertEquals(new ByteRange.Unsatisfiable(), ByteRange.of("bytes=100-", 100));
    assertEquals(new ByteRange.Unsatisfiable(), ByteRange.of("bytes=-0", 100));
    // ignored (the whole blob goes out): several ranges, other units, nonsense, last < first
    for (String ignored :
        List.of("bytes=0-1,5-6", "items=0-1", "bytes=x-y", "bytes=9-3", "bytes=-")) {
      assertEquals(new ByteRange.Whole(), ByteRange.of(ignored, 100), ignored);
    }
  }

  @Test
  void repositoryNamesMapToImagePrefixes() {
    assertEquals(
        Optional.of(new RepositoryName("localhost/app")),
        RepositoryName.parse("localhost/app", null));
    assertEquals(
        Optional.of(new RepositoryName("localhost:5000/team/app")),
        RepositoryName.parse("localhost:5000/team/app", ""));
    assertEquals(
        Optional.of(new RepositoryName("docker.io/library/alpine")),
        RepositoryName.parse("library/alpine", "docker.io"));
    for (String bad :
        List.of(
            "",
            "..",
            "localhost/..",
            "localhost//app",
            "localhost/App",
            "a/b/",
            "/a",
            "a/-b",
            "localhost/app%2F",
            "x".repeat(256))) {
      assertTrue(RepositoryName.parse(bad, null).isEmpty(), bad);
    }
    assertTrue(RepositoryName.parse("library/alpine", "bad host/x").isEmpty());
    assertTrue(
        RepositoryName.parse("localhost:5000/app", "docker.io").isEmpty(), "ns path has no host");
  }

  @Test
  void pagesFollowLast() {
    List<String> all = List.of("a", "b", "c", "d");
    assertEquals(List.of("a", "b"), Pagination.parse("2", null).page(all));
    assertEquals(List.of("c", "d"), Pagination.parse("2", "b").page(all));
    assertEquals(List.of(), Pagination.parse("0", null).page(all));
    assertEquals(all, Pagination.parse(null, null).page(all));
    assertTrue(Pagination.parse("2", null).hasMore(all, List.of("a", "b")));
    assertFalse(Pagination.parse("2", "b").hasMore(all, List.of("c", "d")));
    assertThrows(NumberFormatException.class, () -> Pagination.parse("-1", null));
    assertThrows(NumberFormatException.class, () -> Pagination.parse("many", null));
  }

  @Test
  void acceptListsTakeTheStoredTypeOrAnything() {
    String oci = "application/vnd.oci.image.manifest.v1+json";
    assertTrue(DistributionEndpoint.accepts(List.of(), oci));
    assertTrue(DistributionEndpoint.accepts(List.of("*/*"), oci));
    assertTrue(DistributionEndpoint.accepts(List.of("text/html", oci + "; q=0.5"), oci));
    assertFalse(
        DistributionEndpoint.accepts(List.of("application/vnd.oci.image.index.v1+json"), oci));
  }

  @Test
  void imageNamesSplitIntoRepositoryAndTag() {
    assertEquals("localhost:5000/app", DistributionEndpoint.repositoryOf("localhost:5000/app:v1"));
    assertEquals("v1", DistributionEndpoint.tagOf("localhost:5000/app:v1"));
    assertEquals("localhost:5000/app", DistributionEndpoint.repositoryOf("localhost:5000/app"));
    assertEquals(null, DistributionEndpoint.tagOf("localhost:5000/app"));
    assertEquals("a/b", DistributionEndpoint.repositoryOf("a/b@sha256:" + "0".repeat(64)));
    assertEquals(null, DistributionEndpoint.tagOf("a/b:v1@sha256:" + "0".repeat(64)));
  }
}
