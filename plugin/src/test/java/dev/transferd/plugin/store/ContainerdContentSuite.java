package dev.transferd.plugin.store;

import static dev.transferd.plugin.store.ContentSuiteChecks.checkContent;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkInfo;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkNewlyCreated;
import static dev.transferd.plugin.store.ContentSuiteChecks.checkStatus;
import static dev.transferd.plugin.store.ContentSuiteChecks.copy;
import static dev.transferd.plugin.store.ContentSuiteChecks.createContent;
import static dev.transferd.plugin.store.ContentSuiteChecks.writeBlob;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.plugin.store.ContentSuiteChecks.Source;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * containerd's content test suite ({@code content/testsuite/testsuite.go} in containerd 1.7), case
 * by case: each test checks what the upstream case of the same name checks, written anew in Java.
 * Method names are {@code <suite>_<case>}; display names the upstream {@code Suite/Case}.
 */
public abstract class ContainerdContentSuite extends ContentStoreFixture {

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
}
