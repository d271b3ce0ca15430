package dev.transferd.plugin.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What every content store must do: every case of containerd's content test suite (inherited from
 * {@link ContainerdContentSuite}: ContentSuite, ContentCrossNSSharedSuite,
 * ContentCrossNSIsolatedSuite, ContentSharedNSIsolatedSuite) and our own contracts below. A
 * subclass opens its implementation ({@link ContentStoreFixture#open}); it runs against the
 * embedded store and, end to end, against the Content service over a unix socket.
 */
public abstract class ContentStoreContract extends ContainerdContentSuite {
  @Test
  void committedBlobIsReadableWholeAndFromAnOffset() throws IOException {
    byte[] data = bytes("hello, content store");
    ContentInfo info = put(NS, data, Map.of("k", "v"));

    assertEquals(sha256(data), info.digest());
    assertEquals(data.length, info.size());
    assertEquals(Map.of("k", "v"), content().info(NS, info.digest()).orElseThrow().labels());
    assertArrayEquals(data, readAll(NS, info.digest(), 0));
    assertArrayEquals(bytes("content store"), readAll(NS, info.digest(), 7));
    assertTrue(content().status(NS, "put-" + info.digest()).isEmpty(), "ingest gone");
  }

  @Test
  void reopeningARefResumesAtItsOffset() throws IOException {
    byte[] data = bytes("first half|second half");
    String ref = "layer-resume";
    try (ContentWriter w = content().writer(WriteRequest.of(NS, ref))) {
      w.write(data, 0, 11);
      assertEquals(11, w.offset());
    }
    assertEquals(11, content().status(NS, ref).orElseThrow().offset());

    try (ContentWriter w = content().writer(WriteRequest.of(NS, ref))) {
      assertEquals(11, w.offset());
      w.write(data, 11, data.length - 11);
      assertEquals(sha256(data), w.digest());
      w.commit(data.length, sha256(data), Map.of());
    }
    assertArrayEquals(data, readAll(NS, sha256(data), 0));
  }

  @Test
  void anIngestSurvivesReopeningTheStoreAndResumes() throws IOException {
    byte[] data = bytes("bytes before a restart and bytes after it");
    try (ContentWriter w =
        content().writer(WriteRequest.of(NS, "restart").expecting(data.length, sha256(data)))) {
      w.write(data, 0, 20);
    }
    reopen();
    IngestStatus status = content().status(NS, "restart").orElseThrow();
    assertEquals(20, status.offset());
    assertEquals(data.length, status.total());
    assertEquals(sha256(data), status.expected());
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "restart"))) {
      assertEquals(20, w.offset());
      w.write(data, 20, data.length - 20);
      assertEquals(sha256(data), w.commit(0, null, Map.of()).digest());
    }
  }

  @Test
  void oddSizedWritesAndAnUnalignedResumeKeepEveryByteInOrder() throws IOException {
    byte[] data = new byte[(10 << 20) + 123];
    new java.util.Random(7).nextBytes(data);
    int chunk = 7919;
    int stop = (3 << 20) + 17;
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "odd"))) {
      for (int i = 0; i < stop; i += Math.min(chunk, stop - i)) {
        w.write(data, i, Math.min(chunk, stop - i));
      }
    }
    assertEquals(stop, content().status(NS, "odd").orElseThrow().offset());
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "odd"))) {
      for (int i = stop; i < data.length; i += Math.min(chunk, data.length - i)) {
        w.write(data, i, Math.min(chunk, data.length - i));
      }
      w.commit(data.length, sha256(data), Map.of());
    }
    assertArrayEquals(data, readAll(NS, sha256(data), 0));
  }

  @Test
  void truncatingAnIngestRestartsItsDigest() throws IOException {
    byte[] data = bytes("the right bytes");
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "restart-at-zero"))) {
      w.write(bytes("wrong prefix that gets cut"));
      w.truncate(0);
      assertEquals(0, w.offset());
      w.write(data);
      assertEquals(sha256(data), w.commit(data.length, sha256(data), Map.of()).digest());
    }
    assertArrayEquals(data, readAll(NS, sha256(data), 0));
  }

  @Test
  void aSecondWriterOnALockedRefIsUnavailableNamingTheRef() throws IOException {
    try (ContentWriter first = content().writer(WriteRequest.of(NS, "busy-ref"))) {
      first.write(bytes("x"));
      StoreException e =
          assertStoreError(
              StatusCode.UNAVAILABLE, () -> content().writer(WriteRequest.of(NS, "busy-ref")));
      assertTrue(e.getMessage().contains("busy-ref"), e.getMessage());
    }
    try (ContentWriter again = content().writer(WriteRequest.of(NS, "busy-ref"))) {
      assertEquals(1, again.offset());
    }
  }

  @Test
  void concurrentWritersOnOneRefGetOneLockAndOneBlob() throws Exception {
    int threads = 8;
    byte[] data = bytes("racing for one ref");
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<String>> tasks = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      tasks.add(
          () -> {
            start.await();
            try (ContentWriter w = content().writer(WriteRequest.of(NS, "contended"))) {
              w.write(data);
              return w.commit(data.length, sha256(data), Map.of()).digest();
            } catch (StoreException e) {
              return e.code().name() + ": " + e.getMessage();
            }
          });
    }
    List<String> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> futures = new ArrayList<>();
      for (Callable<String> t : tasks) {
        futures.add(pool.submit(t));
      }
      start.countDown();
      for (Future<String> f : futures) {
        outcomes.add(f.get());
      }
    }
    // Whoever won committed the blob; the rest were told UNAVAILABLE or, once the blob existed,
    // that a fresh ingest of the same bytes is ALREADY_EXISTS. No mixed bytes ever got committed.
    assertTrue(outcomes.contains(sha256(data)), outcomes.toString());
    for (String o : outcomes) {
      assertTrue(
          o.equals(sha256(data)) || o.startsWith("UNAVAILABLE:") || o.startsWith("ALREADY_EXISTS:"),
          outcomes.toString());
    }
    assertArrayEquals(data, readAll(NS, sha256(data), 0));
  }

  @Test
  void aDigestMismatchIsRefusedAndTheUploadIsKeptToContinue() throws IOException {
    byte[] data = bytes("these are not the bytes you expect");
    String wrong = sha256(bytes("other bytes"));
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "bad-digest"))) {
      w.write(data);
      StoreException e =
          assertStoreError(
              StatusCode.FAILED_PRECONDITION, () -> w.commit(data.length, wrong, Map.of()));
      assertTrue(e.getMessage().contains(wrong), e.getMessage());
    }
    assertTrue(content().info(NS, wrong).isEmpty());
    assertTrue(content().info(NS, sha256(data)).isEmpty());
    assertEquals(data.length, content().status(NS, "bad-digest").orElseThrow().offset());
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "bad-digest"))) {
      assertEquals(data.length, w.offset(), "a new writer continues the kept upload");
      assertEquals(sha256(data), w.commit(data.length, null, Map.of()).digest());
    }
  }

  @Test
  void aSizeMismatchIsRefusedAndTheUploadIsKeptToContinue() throws IOException {
    byte[] data = bytes("twelve bytes");
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "bad-size"))) {
      w.write(data);
      StoreException e =
          assertStoreError(
              StatusCode.FAILED_PRECONDITION, () -> w.commit(data.length + 1, null, Map.of()));
      assertTrue(e.getMessage().contains("bad-size"), e.getMessage());
    }
    assertTrue(content().info(NS, sha256(data)).isEmpty());
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "bad-size"))) {
      assertEquals(data.length, w.offset());
      w.write(bytes("!"));
      assertEquals(data.length + 1, w.commit(data.length + 1, null, Map.of()).size());
    }
  }

  @Test
  void committingABlobTheNamespaceHasIsAlreadyExists() throws IOException {
    byte[] data = bytes("stored once");
    put(NS, data, Map.of());
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "again"))) {
      w.write(data);
      assertStoreError(StatusCode.ALREADY_EXISTS, () -> w.commit(data.length, null, Map.of()));
    }
    assertStoreError(
        StatusCode.ALREADY_EXISTS,
        () -> content().writer(WriteRequest.of(NS, "again2").expecting(data.length, sha256(data))));
    assertTrue(content().status(NS, "again").isEmpty());
  }

  @Test
  void aBlobCommittedInOneNamespaceIsInvisibleInAnotherUntilCommittedThere() throws IOException {
    byte[] data = bytes("namespaced bytes");
    put("team-a", data, Map.of());
    assertTrue(content().info("team-b", sha256(data)).isEmpty());
    assertStoreError(StatusCode.NOT_FOUND, () -> content().read("team-b", sha256(data), 0));

    ContentInfo b = put("team-b", data, Map.of());
    assertEquals(data.length, b.size());
    content().delete("team-a", sha256(data));
    assertArrayEquals(data, readAll("team-b", sha256(data), 0), "b still has the bytes");
  }

  @Test
  void underTheIsolatedPolicyAClientUploadsEveryByteOfAnotherNamespacesBlob() throws IOException {
    reopenWith(ContentSharingPolicy.ISOLATED);
    byte[] data = bytes("isolated bytes");
    put("team-a", data, Map.of());
    try (ContentWriter w =
        content().writer(WriteRequest.of("team-b", "up").expecting(data.length, sha256(data)))) {
      assertEquals(0, w.offset());
      w.write(data);
      assertEquals(data.length, w.commit(data.length, sha256(data), Map.of()).size());
    }
    assertArrayEquals(data, readAll("team-b", sha256(data), 0));
  }

  @Test
  void aSharedWriterWhoseDeclaredSizeDiffersStartsEmpty() throws IOException {
    byte[] data = bytes("size matters");
    put("team-a", data, Map.of());
    try (ContentWriter w =
        content()
            .writer(
                WriteRequest.of("team-b", "wrong-size").expecting(data.length + 1, sha256(data)))) {
      assertEquals(0, w.offset());
    }
  }

  @Test
  void aSharedWriterRestartedAtZeroTakesNewBytes() throws IOException {
    byte[] data = bytes("0123456789");
    put("team-a", data, Map.of());
    try (ContentWriter w =
        content().writer(WriteRequest.of("team-b", "cut").expecting(data.length, sha256(data)))) {
      assertEquals(data.length, w.offset());
      w.truncate(0);
      assertEquals(0, w.offset());
      w.write(bytes("abc"));
      assertEquals(sha256(bytes("abc")), w.commit(3, sha256(bytes("abc")), Map.of()).digest());
    }
    assertArrayEquals(bytes("abc"), readAll("team-b", sha256(bytes("abc")), 0));
    assertTrue(content().info("team-b", sha256(data)).isEmpty(), "b took new bytes, not the blob");
  }

  @Test
  void abortRemovesTheIngestAndUnknownRefsAreNotFound() throws IOException {
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "to-abort"))) {
      w.write(bytes("partial"));
    }
    content().abort(NS, "to-abort");
    assertTrue(content().status(NS, "to-abort").isEmpty());
    assertStoreError(StatusCode.NOT_FOUND, () -> content().abort(NS, "to-abort"));
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "to-abort"))) {
      assertEquals(0, w.offset(), "a new ingest starts from zero");
    }
  }

  @Test
  void abortRemovesAnUploadAWriterStillHolds() throws IOException {
    byte[] data = bytes("being written");
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "held"))) {
      w.write(data);
      content().abort(NS, "held");
      assertTrue(content().status(NS, "held").isEmpty(), "the upload is gone at once");
      assertStoreError(StatusCode.NOT_FOUND, () -> w.commit(data.length, null, Map.of()));
    }
    assertTrue(content().info(NS, sha256(data)).isEmpty(), "nothing was committed");
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "held"))) {
      assertEquals(0, w.offset(), "the ref starts afresh");
    }
  }

  @Test
  void theStatusOfAClosedUploadShowsItsLastWriteTime() throws IOException {
    Instant before;
    Instant after;
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "timed"))) {
      before = Instant.now();
      w.write(bytes("some bytes"));
      after = Instant.now();
    }
    IngestStatus st = content().status(NS, "timed").orElseThrow();
    assertFalse(st.updatedAt().isBefore(before), st.updatedAt() + " before " + before);
    assertFalse(st.updatedAt().isAfter(after), st.updatedAt() + " after " + after);
  }

  @Test
  void aWriterThatWaitedForARefWhoseBlobWasCommittedMeanwhileIsAlreadyExists() throws Exception {
    byte[] data = bytes("committed while the other waited");
    WriteRequest request = WriteRequest.of(NS, "same").expecting(data.length, sha256(data));
    ContentWriter first = content().writer(request);
    first.write(data);
    CountDownLatch trying = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<String> second =
          pool.submit(
              () -> {
                trying.countDown();
                try (ContentWriter w = content().writer(request)) {
                  return "opened at " + w.offset();
                } catch (StoreException e) {
                  return e.code().name();
                }
              });
      trying.await();
      first.commit(data.length, sha256(data), Map.of());
      first.close();
      assertEquals("ALREADY_EXISTS", second.get(), "no second upload of a stored blob");
    }
  }

  @Test
  void aRefFreedWhileAnotherWriterWaitsForItIsTaken() throws Exception {
    ContentWriter first = content().writer(WriteRequest.of(NS, "handover"));
    first.write(bytes("x"));
    CountDownLatch trying = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Long> second =
          pool.submit(
              () -> {
                trying.countDown();
                try (ContentWriter w = content().writer(WriteRequest.of(NS, "handover"))) {
                  return w.offset();
                }
              });
      trying.await();
      first.close();
      assertEquals(1, second.get(), "the waiting writer took the ref and resumed");
    }
  }

  @Test
  void statusesAreListedPerNamespaceAndFilteredByRef() throws IOException {
    for (String ref : List.of("layer-sha256:aaa", "layer-sha256:bbb", "manifest-x")) {
      try (ContentWriter w = content().writer(WriteRequest.of(NS, ref))) {
        w.write(bytes(ref));
      }
    }
    try (ContentWriter w = content().writer(WriteRequest.of("other", "layer-sha256:ccc"))) {
      w.write(bytes("c"));
    }
    assertEquals(
        List.of("layer-sha256:aaa", "layer-sha256:bbb", "manifest-x"),
        content().listStatuses(NS, List.of()).stream().map(IngestStatus::ref).toList());
    assertEquals(
        List.of("layer-sha256:aaa", "layer-sha256:bbb"),
        content().listStatuses(NS, List.of("ref~=^layer-")).stream()
            .map(IngestStatus::ref)
            .toList());
  }

  @Test
  void labelsAreUpdatedByFieldPathAndLimitedTo4096Bytes() throws IOException {
    String d = put(NS, bytes("labelled"), Map.of("a", "1", "b", "2")).digest();
    content().update(NS, d, Map.of("b", "3", "c", "4"), List.of("labels.b", "labels.c"));
    assertEquals(
        Map.of("a", "1", "b", "3", "c", "4"), content().info(NS, d).orElseThrow().labels());
    content().update(NS, d, Map.of(), List.of("labels.a"));
    assertEquals(Map.of("b", "3", "c", "4"), content().info(NS, d).orElseThrow().labels());
    content().update(NS, d, Map.of("only", "this"), List.of());
    assertEquals(Map.of("only", "this"), content().info(NS, d).orElseThrow().labels());

    String big = "x".repeat(4096);
    StoreException e =
        assertStoreError(
            StatusCode.INVALID_ARGUMENT,
            () -> content().update(NS, d, Map.of("key", big), List.of("labels.key")));
    assertTrue(e.getMessage().contains("key"), e.getMessage());
    assertEquals(Map.of("only", "this"), content().info(NS, d).orElseThrow().labels());
    assertStoreError(
        StatusCode.INVALID_ARGUMENT, () -> content().update(NS, d, Map.of(), List.of("size")));
    assertStoreError(
        StatusCode.NOT_FOUND,
        () -> content().update(NS, sha256(bytes("nope")), Map.of(), List.of()));
  }

  @Test
  void listFiltersByLabelAndDigest() throws IOException {
    String a = put(NS, bytes("a"), Map.of("containerd.io/gc.root", "x", "kind", "config")).digest();
    String b = put(NS, bytes("b"), Map.of("kind", "layer")).digest();
    String c = put(NS, bytes("c"), Map.of()).digest();

    assertEquals(
        List.of(a), digests(content().list(NS, List.of("labels.\"containerd.io/gc.root\""))));
    assertEquals(List.of(b), digests(content().list(NS, List.of("labels.kind==layer"))));
    assertEquals(
        sorted(a, b),
        digests(content().list(NS, List.of("labels.kind==layer", "labels.kind==config"))));
    assertEquals(List.of(c), digests(content().list(NS, List.of("digest==" + c))));
    assertEquals(sorted(a, b, c), digests(content().list(NS, List.of())));
    assertStoreError(
        StatusCode.INVALID_ARGUMENT, () -> content().list(NS, List.of("labels.kind=layer")));
  }

  @Test
  void deleteRemovesTheBlobAndReadsThenFail() throws IOException {
    String d = put(NS, bytes("short-lived"), Map.of()).digest();
    content().delete(NS, d);
    assertTrue(content().info(NS, d).isEmpty());
    assertStoreError(StatusCode.NOT_FOUND, () -> content().read(NS, d, 0));
    assertStoreError(StatusCode.NOT_FOUND, () -> content().delete(NS, d));
  }

  @Test
  void badInputIsRejectedWithTheThingNamed() {
    StoreException e =
        assertStoreError(StatusCode.INVALID_ARGUMENT, () -> content().info(NS, "md5:abc"));
    assertTrue(e.getMessage().contains("md5:abc"), e.getMessage());
    assertStoreError(StatusCode.FAILED_PRECONDITION, () -> content().info("", sha256(bytes("x"))));
    assertStoreError(StatusCode.INVALID_ARGUMENT, () -> content().writer(WriteRequest.of(NS, "")));
    assertStoreError(
        StatusCode.NOT_FOUND,
        () -> content().writer(WriteRequest.of(NS, "r").underLease("no-such-lease")));
  }

  @Test
  void aBlobLargerThanTheHeapStreamsInAndOut() throws IOException {
    long size = 384L << 20; // > -Xmx256m
    byte[] chunk = new byte[1 << 20];
    MessageDigest expected = newSha256();
    try (ContentWriter w = content().writer(WriteRequest.of(NS, "big"))) {
      for (long written = 0; written < size; written += chunk.length) {
        fill(chunk, written);
        expected.update(chunk);
        w.write(chunk);
      }
      String digest = "sha256:" + HexFormat.of().formatHex(expected.digest());
      ContentInfo info = w.commit(size, digest, Map.of());
      assertEquals(size, info.size());
    }
    String digest = content().list(NS, List.of()).getFirst().digest();
    MessageDigest actual = newSha256();
    long total = 0;
    try (InputStream in = content().read(NS, digest, 0)) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        actual.update(chunk, 0, n);
        total += n;
      }
    }
    assertEquals(size, total);
    assertEquals(digest, "sha256:" + HexFormat.of().formatHex(actual.digest()));
    content().delete(NS, digest);
    assertFalse(content().info(NS, digest).isPresent());
  }

  private static void fill(byte[] chunk, long position) {
    long x = position * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < chunk.length; i += 8) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      for (int j = 0; j < 8; j++) {
        chunk[i + j] = (byte) (x >>> (8 * j));
      }
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> digests(List<ContentInfo> infos) {
    return infos.stream().map(ContentInfo::digest).toList();
  }

  private static List<String> sorted(String... s) {
    return java.util.Arrays.stream(s).sorted().toList();
  }
}
