package dev.transferd.plugin.store;

import static dev.transferd.plugin.store.ContentSuiteChecks.checkContent;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkInfo;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkNewlyCreated;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkStatus;
import static dev.transferd.plugin.store.ContentSuiteChecks.copy;
import static dev.transferd.plugin.store.ContentSuiteChecks.createContent;
import static dev.transferd.plugin.store.ContentSuiteChecks.writeBlob;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentSuiteChecks.Source;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every content store must do. The tests named after a case of containerd's content test suite
 * ({@code content/testsuite/testsuite.go}: ContentSuite, ContentCrossNSSharedSuite,
 * ContentCrossNSIsolatedSuite, ContentSharedNSIsolatedSuite) check what that case checks, written
 * anew in Java; their display names are the upstream {@code Suite/Case} names. The others pin our
 * own contracts. A subclass opens its implementation with a sharing policy; {@link #reopen()} must
 * give a store over the same data.
 */
public abstract class ContentStoreContract {
  protected static final String NS = "default";

  /** The second namespace of the cross-namespace cases. */
  protected static final String NS2 = "other";

  @TempDir protected Path root;
  protected Store store;
  private ContentSharingPolicy sharing = ContentSharingPolicy.SHARED;

  protected abstract Store open(Path root, ContentSharingPolicy sharing) throws IOException;

  @BeforeEach
  void openStore() throws IOException {
    store = open(root, sharing);
  }

  @AfterEach
  void closeStore() throws IOException {
    store.close();
  }

  protected void reopen() throws IOException {
    store.close();
    store = open(root, sharing);
  }

  /** Reopens the store over the same data with another sharing policy. */
  protected void reopenWith(ContentSharingPolicy policy) throws IOException {
    sharing = policy;
    reopen();
  }

  protected ContentStore content() {
    return store.content();
  }

  public static String sha256(byte[] data) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Stores {@code data} as a client should: from the writer's offset, which is the whole blob when
   * the store shares another namespace's copy.
   */
  protected ContentInfo put(String ns, byte[] data, Map<String, String> labels) throws IOException {
    try (ContentWriter w =
        content()
            .writer(
                WriteRequest.of(ns, "put-" + sha256(data)).expecting(data.length, sha256(data)))) {
      w.write(data, (int) w.offset(), data.length - (int) w.offset());
      return w.commit(data.length, sha256(data), labels);
    }
  }

  protected byte[] readAll(String ns, String digest, long offset) throws IOException {
    try (InputStream in = content().read(ns, digest, offset)) {
      return in.readAllBytes();
    }
  }

  protected static StoreException assertStoreError(StatusCode code, Executable call) {
    StoreException e = assertThrows(StoreException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

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

  // ---- containerd's content test suite, case by case ----

  private static final Map<String, String> GC_ROOT_LABELS =
      Map.of("containerd.io/gc.root", Instant.now().toString());

  @Test
  @DisplayName("ContentSuite/Writer")
  void contentSuite_writer() throws IOException {
    byte[] c1 = createContent(256);
    byte[] c2 = createContent(256);
    byte[] c3 = createContent(256);
    byte[] c4 = createContent(256);
    List<ContentWriter> writers = new ArrayList<>();
    try {
      writers.add(content().writer(WriteRequest.of(NS, "c1")));
      writers.add(content().writer(new WriteRequest(NS, "c2", c2.length, null, null)));
      writers.add(content().writer(new WriteRequest(NS, "c3", -1, sha256(c3), null)));
      writers.add(content().writer(WriteRequest.of(NS, "c4").expecting(c4.length, sha256(c4))));
      byte[][] contents = {c1, c2, c3, c4};
      for (int i = 0; i < contents.length; i++) {
        ContentWriter w = writers.get(i);
        byte[] c = contents[i];
        for (int off = 0; off < c.length; off += 32) {
          w.write(c, off, Math.min(32, c.length - off));
        }
        Instant preCommit = Instant.now();
        w.commit(0, null, GC_ROOT_LABELS);
        Instant postCommit = Instant.now();
        assertEquals(sha256(c), w.digest());
        checkInfo(
            content(),
            NS,
            sha256(c),
            c.length,
            GC_ROOT_LABELS,
            preCommit,
            postCommit,
            preCommit,
            postCommit);
      }
    } finally {
      for (ContentWriter w : writers) {
        w.close();
      }
    }
  }

  @Test
  @DisplayName("ContentSuite/UpdateStatus")
  void contentSuite_updateStatus() throws IOException {
    byte[] c1 = createContent(256);
    String d1 = sha256(c1);
    Instant preStart = Instant.now();
    try (ContentWriter w1 = content().writer(WriteRequest.of(NS, "c1").expecting(256, d1))) {
      Instant postStart = Instant.now();
      checkStatus(w1, "c1", 0, 256, sha256(new byte[0]), preStart, postStart, preStart, postStart);

      int[][] steps = {{0, 64}, {64, 192}, {192, 256}};
      for (int[] step : steps) {
        Instant preUpdate = Instant.now();
        w1.write(c1, step[0], step[1] - step[0]);
        Instant postUpdate = Instant.now();
        checkStatus(
            w1,
            "c1",
            step[1],
            256,
            sha256(java.util.Arrays.copyOf(c1, step[1])),
            preStart,
            postStart,
            preUpdate,
            postUpdate);
      }

      Instant preCommit = Instant.now();
      w1.commit(0, null, GC_ROOT_LABELS);
      Instant postCommit = Instant.now();
      checkInfo(
          content(), NS, d1, 256, GC_ROOT_LABELS, preCommit, postCommit, preCommit, postCommit);
    }
  }

  @Test
  @DisplayName("ContentSuite/CommitExists")
  void contentSuite_commitExists() throws IOException {
    byte[] c1 = createContent(256);
    String d1 = sha256(c1);
    writeBlob(content(), new WriteRequest(NS, "c1", -1, d1, null), c1);
    String[] expectations = {d1, null};
    for (int i = 0; i < expectations.length; i++) {
      String expected = expectations[i];
      try (ContentWriter w = content().writer(WriteRequest.of(NS, "c1-commitexists-" + i))) {
        w.write(c1);
        assertStoreError(StatusCode.ALREADY_EXISTS, () -> w.commit(c1.length, expected, Map.of()));
      }
    }
  }

  @Test
  @DisplayName("ContentSuite/Resume")
  void contentSuite_resume() throws IOException {
    String ref = "cb";
    byte[] cb = createContent(256);
    String dgst = sha256(cb);
    String dgstFirst = sha256(java.util.Arrays.copyOf(cb, 128));

    Instant preStart = Instant.now();
    ContentWriter w1 = content().writer(WriteRequest.of(NS, ref).expecting(256, dgst));
    Instant postStart = Instant.now();
    Instant preUpdate = postStart;
    w1.write(cb, 0, 128);
    Instant postUpdate = Instant.now();
    checkStatus(w1, ref, 128, 256, dgstFirst, preStart, postStart, preUpdate, postUpdate);
    w1.close();

    try (ContentWriter w2 = content().writer(WriteRequest.of(NS, ref).expecting(256, dgst))) {
      // as it was before the first writer closed
      checkStatus(w2, ref, 128, 256, dgstFirst, preStart, postStart, preUpdate, postUpdate);
      preUpdate = Instant.now();
      w2.write(cb, 128, 128);
      postUpdate = Instant.now();
      checkStatus(w2, ref, 256, 256, dgst, preStart, postStart, preUpdate, postUpdate);

      Instant preCommit = Instant.now();
      w2.commit(0, null, Map.of());
      Instant postCommit = Instant.now();
      checkInfo(content(), NS, dgst, 256, Map.of(), preCommit, postCommit, preCommit, postCommit);
    }
  }

  /** How a resume case finishes a writer that holds the first {@code written} bytes. */
  @FunctionalInterface
  private interface Resumer {
    void finish(ContentWriter w, byte[] b, long written, long size, String digest)
        throws IOException;
  }

  /**
   * containerd's {@code checkResume}: for each size and share written before a close, a new writer
   * on the ref is at that offset and {@code resumer} completes it.
   */
  private void checkResume(Resumer resumer) throws IOException {
    int[] sizes = {500, 5000, 50000};
    double[] truncations = {0.0, 0.1, 0.5, 0.9, 1.0};
    for (int i = 0; i < sizes.length; i++) {
      for (int j = 0; j < truncations.length; j++) {
        int size = sizes[i];
        byte[] b = createContent(size);
        String d = sha256(b);
        int limit = (int) (size * truncations[j]);
        String ref = "ref-" + i + "-" + j;
        WriteRequest request = WriteRequest.of(NS, ref).expecting(size, d);
        try (ContentWriter w = content().writer(request)) {
          w.write(b, 0, limit);
        }
        try (ContentWriter w = content().writer(request)) {
          assertEquals(limit, w.status().offset(), ref + " offset after resume");
          Instant preCommit = Instant.now();
          resumer.finish(w, b, limit, size, d);
          Instant postCommit = Instant.now();
          w.close();
          checkInfo(content(), NS, d, size, Map.of(), preCommit, postCommit, preCommit, postCommit);
        }
      }
    }
  }

  @Test
  @DisplayName("ContentSuite/ResumeTruncate")
  void contentSuite_resumeTruncate() throws IOException {
    checkResume(
        (w, b, written, size, d) -> {
          w.truncate(0);
          for (int off = 0; off < b.length; off += 1024) {
            w.write(b, off, Math.min(1024, b.length - off));
          }
          w.commit(size, d, Map.of());
        });
  }

  @Test
  @DisplayName("ContentSuite/ResumeDiscard")
  void contentSuite_resumeDiscard() throws IOException {
    checkResume(
        (w, b, written, size, d) -> {
          for (int off = (int) written; off < b.length; off += 1024) {
            w.write(b, off, Math.min(1024, b.length - off));
          }
          w.commit(size, d, Map.of());
        });
  }

  @Test
  @DisplayName("ContentSuite/ResumeCopy")
  void contentSuite_resumeCopy() throws IOException {
    checkResume((w, b, written, size, d) -> copy(w, b, Source.STREAM, size, d));
  }

  @Test
  @DisplayName("ContentSuite/ResumeCopySeeker")
  void contentSuite_resumeCopySeeker() throws IOException {
    checkResume((w, b, written, size, d) -> copy(w, b, Source.SEEKABLE, size, d));
  }

  @Test
  @DisplayName("ContentSuite/ResumeCopyReaderAt")
  void contentSuite_resumeCopyReaderAt() throws IOException {
    checkResume((w, b, written, size, d) -> copy(w, b, Source.READER_AT, size, d));
  }

  @Test
  @DisplayName("ContentSuite/SmallBlob")
  void contentSuite_smallBlob() throws IOException {
    byte[] blob = bytes("foobar");
    String digest = sha256(blob);
    try (ContentWriter w =
        content().writer(WriteRequest.of(NS, "SmallBlob").expecting(blob.length, digest))) {
      w.write(blob);
      w.commit(blob.length, digest, Map.of());
    }
    // a read of more than the blob holds gives the blob
    try (InputStream in = content().read(NS, digest, 0)) {
      assertEquals(digest, sha256(in.readNBytes(blob.length + 1)));
    }
  }

  @Test
  @DisplayName("ContentSuite/Labels")
  void contentSuite_labels() throws IOException {
    byte[] c1 = createContent(256);
    String d1 = sha256(c1);
    String rootTime = Instant.now().toString();
    Map<String, String> labels = Map.of("k1", "v1", "k2", "v2", "containerd.io/gc.root", rootTime);
    Instant preCommit;
    Instant postCommit;
    try (ContentWriter w1 =
        content().writer(WriteRequest.of(NS, "c1-checklabels").expecting(256, d1))) {
      w1.write(c1);
      preCommit = Instant.now();
      w1.commit(0, null, labels);
      postCommit = Instant.now();
    }
    checkInfo(content(), NS, d1, 256, labels, preCommit, postCommit, preCommit, postCommit);

    Map<String, String> replaced =
        Map.of("k1", "newvalue", "k3", "v3", "containerd.io/gc.root", rootTime);
    Instant preUpdate = Instant.now();
    content().update(NS, d1, replaced, List.of());
    Instant postUpdate = Instant.now();
    checkInfo(content(), NS, d1, 256, replaced, preCommit, postCommit, preUpdate, postUpdate);

    Map<String, String> partial = Map.of("k1", "v1", "containerd.io/gc.root", rootTime);
    preUpdate = Instant.now();
    content().update(NS, d1, partial, List.of("labels.k3", "labels.k1"));
    postUpdate = Instant.now();
    checkInfo(content(), NS, d1, 256, partial, preCommit, postCommit, preUpdate, postUpdate);
  }

  /** A writer on {@code ref} is refused UNAVAILABLE: another writer holds it. */
  private void checkRefNotAvailable(String ref) {
    assertStoreError(StatusCode.UNAVAILABLE, () -> content().writer(WriteRequest.of(NS, ref)));
  }

  @Test
  @DisplayName("ContentSuite/CommitErrorState")
  void contentSuite_commitErrorState() throws IOException {
    byte[] c1 = createContent(256);
    String d1 = sha256(c1);
    String d2 = sha256(createContent(256));
    writeBlob(content(), new WriteRequest(NS, "c1", -1, d1, null), c1);
    String ref = "c1-commiterror-state";

    ContentWriter w = content().writer(WriteRequest.of(NS, ref));
    w.write(c1);
    checkRefNotAvailable(ref);
    ContentWriter exists = w;
    assertStoreError(StatusCode.ALREADY_EXISTS, () -> exists.commit(c1.length, d1, Map.of()));

    w = content().writer(WriteRequest.of(NS, ref));
    checkRefNotAvailable(ref);
    w.write(c1);
    ContentWriter existsNoDigest = w;
    assertStoreError(
        StatusCode.ALREADY_EXISTS, () -> existsNoDigest.commit(c1.length, null, Map.of()));
    w.close();

    w = content().writer(WriteRequest.of(NS, ref));
    checkRefNotAvailable(ref);
    byte[] more = java.util.Arrays.copyOf(c1, c1.length + 4);
    System.arraycopy(bytes("more"), 0, more, c1.length, 4);
    w.write(more);
    ContentWriter wrongDigest = w;
    assertStoreError(
        StatusCode.FAILED_PRECONDITION, () -> wrongDigest.commit(more.length, d2, Map.of()));
    w.close();

    w = content().writer(WriteRequest.of(NS, ref));
    checkRefNotAvailable(ref);
    ContentWriter wrongSize = w;
    assertStoreError(
        StatusCode.FAILED_PRECONDITION, () -> wrongSize.commit(c1.length, null, Map.of()));
    w.close();

    w = content().writer(WriteRequest.of(NS, ref));
    checkRefNotAvailable(ref);
    w.commit(more.length, null, Map.of());
    w.close();

    w = content().writer(WriteRequest.of(NS, ref));
    w.write(c1);
    checkRefNotAvailable(ref);
    ContentWriter existsAgain = w;
    assertStoreError(StatusCode.ALREADY_EXISTS, () -> existsAgain.commit(c1.length, d1, Map.of()));
    w.close();

    w = content().writer(WriteRequest.of(NS, ref));
    checkRefNotAvailable(ref);
    w.close();

    content().writer(WriteRequest.of(NS, ref)).close();
  }

  @Test
  @DisplayName("ContentCrossNSSharedSuite/CrossNamespaceAppend")
  void contentCrossNsSharedSuite_crossNamespaceAppend() throws IOException {
    int size = 1000;
    byte[] b = createContent(size);
    String d = sha256(b);
    String ref = "ref-" + size;
    Instant t1 = Instant.now();
    writeBlob(content(), WriteRequest.of(NS, ref).expecting(size, d), b);

    byte[] extra = bytes("appended bytes");
    byte[] b2 = java.util.Arrays.copyOf(b, size + extra.length);
    System.arraycopy(extra, 0, b2, size, extra.length);
    String d2 = sha256(b2);

    try (ContentWriter w = content().writer(WriteRequest.of(NS2, ref).expecting(size, d))) {
      Instant t2 = Instant.now();
      checkStatus(w, ref, size, size, d, t1, t2, t1, t2);
      w.write(extra);
      w.commit(b2.length, d2, Map.of());
    }
    Instant t3 = Instant.now();
    checkContent(content(), NS, d, size, t1, t3);
    checkContent(content(), NS2, d2, b2.length, t1, t3);
  }

  @Test
  @DisplayName("ContentCrossNSSharedSuite/CrossNamespaceShare")
  void contentCrossNsSharedSuite_crossNamespaceShare() throws IOException {
    int size = 1000;
    byte[] b = createContent(size);
    String d = sha256(b);
    String ref = "ref-" + size;
    Instant t1 = Instant.now();
    writeBlob(content(), WriteRequest.of(NS, ref).expecting(size, d), b);

    try (ContentWriter w = content().writer(WriteRequest.of(NS2, ref).expecting(size, d))) {
      Instant t2 = Instant.now();
      checkStatus(w, ref, size, size, d, t1, t2, t1, t2);
      w.commit(size, d, Map.of());
    }
    Instant t3 = Instant.now();
    checkContent(content(), NS, d, size, t1, t3);
    checkContent(content(), NS2, d, size, t1, t3);
  }

  @Test
  @DisplayName("ContentCrossNSIsolatedSuite/CrossNamespaceIsolate")
  void contentCrossNsIsolatedSuite_crossNamespaceIsolate() throws IOException {
    reopenWith(ContentSharingPolicy.ISOLATED);
    int size = 1000;
    byte[] b = createContent(size);
    String d = sha256(b);
    String ref = "ref-" + size;
    writeBlob(content(), WriteRequest.of(NS, ref).expecting(size, d), b);
    Instant t2 = Instant.now();

    try (ContentWriter w = content().writer(WriteRequest.of(NS2, ref).expecting(size, d))) {
      Instant t4 = Instant.now();
      checkNewlyCreated(w, t2, t4);
    }
  }

  @Test
  @DisplayName("ContentSharedNSIsolatedSuite/SharedNamespaceIsolate")
  void contentSharedNsIsolatedSuite_sharedNamespaceIsolate() throws IOException {
    reopenWith(ContentSharingPolicy.ISOLATED);
    String sharedNs = "shared";
    store.namespaces().create(sharedNs, Map.of(ContentSharingPolicy.SHAREABLE_LABEL, "true"));
    int size = 1000;
    byte[] b = createContent(size);
    String d = sha256(b);
    String ref = "ref-" + size;
    Instant t1 = Instant.now();
    writeBlob(content(), WriteRequest.of(sharedNs, ref).expecting(size, d), b);

    try (ContentWriter w = content().writer(WriteRequest.of(NS2, ref).expecting(size, d))) {
      Instant t2 = Instant.now();
      checkStatus(w, ref, size, size, d, t1, t2, t1, t2);
      w.commit(size, d, Map.of());
    }
    Instant t3 = Instant.now();
    checkContent(content(), sharedNs, d, size, t1, t3);
    checkContent(content(), NS2, d, size, t1, t3);
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
