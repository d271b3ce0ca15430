package dev.transferd.plugin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.StatusCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What containerd's content test suite checks with, in Java: content from a fresh seed per call,
 * the client helpers it drives writers with ({@code content.WriteBlob}, {@code content.Copy} from a
 * plain reader, a seekable one and one read at offsets), and its status and info checks with their
 * time windows (inclusive).
 */
final class ContentSuiteChecks {
  /** sha256 of no bytes. */
  static final String EMPTY_DIGEST =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final AtomicLong SEED = new AtomicLong();

  private ContentSuiteChecks() {}

  /** {@code size} pseudo-random bytes, from a seed new to each call. */
  static byte[] createContent(int size) {
    byte[] b = new byte[size];
    new Random(SEED.incrementAndGet()).nextBytes(b);
    return b;
  }

  /** How {@link #copy} reaches the writer's offset in its source. */
  enum Source {
    /** Reads and drops the bytes before the offset. */
    STREAM,
    /** Moves a seekable channel's position. */
    SEEKABLE,
    /** Reads from the offset on, leaving the source where it is. */
    READER_AT
  }

  /**
   * containerd's {@code content.Copy}: continue at the writer's offset (reaching it in {@code data}
   * the way {@code source} allows), write the rest, commit with {@code size} and {@code expected};
   * ALREADY_EXISTS from the commit counts as success.
   */
  static void copy(ContentWriter w, byte[] data, Source source, long size, String expected)
      throws IOException {
    long offset = w.status().offset();
    InputStream rest =
        switch (source) {
          case STREAM -> {
            InputStream in = new ByteArrayInputStream(data);
            in.skipNBytes(offset);
            yield in;
          }
          case SEEKABLE -> {
            SeekableByteChannel ch = new InMemoryChannel(data);
            ch.position(offset);
            yield java.nio.channels.Channels.newInputStream(ch);
          }
          case READER_AT ->
              new ByteArrayInputStream(data, (int) offset, data.length - (int) offset);
        };
    rest.transferTo(w);
    try {
      w.commit(size, expected, Map.of());
    } catch (StoreException e) {
      if (e.code() != StatusCode.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  /**
   * containerd's {@code content.WriteBlob}: open the ref (a blob the namespace has is success),
   * then {@link #copy} from a plain stream.
   */
  static void writeBlob(ContentStore cs, WriteRequest request, byte[] data) throws IOException {
    ContentWriter w;
    try {
      w = cs.writer(request);
    } catch (StoreException e) {
      if (e.code() == StatusCode.ALREADY_EXISTS) {
        return;
      }
      throw e;
    }
    try (w) {
      copy(w, data, Source.STREAM, request.expectedSize(), request.expectedDigest());
    }
  }

  /** containerd's {@code checkStatus}: status first, then the digest, then each field. */
  static void checkStatus(
      ContentWriter w,
      String ref,
      long offset,
      long total,
      String digest,
      Instant preStart,
      Instant postStart,
      Instant preUpdate,
      Instant postUpdate) {
    IngestStatus st = w.status();
    assertEquals(digest, w.digest(), "writer digest");
    assertEquals(ref, st.ref(), "ref");
    assertEquals(offset, st.offset(), "offset");
    assertEquals(total, st.total(), "total");
    within("started at", st.startedAt(), preStart, postStart);
    within("updated at", st.updatedAt(), preUpdate, postUpdate);
  }

  /** containerd's {@code checkNewlyCreated}: an empty writer started within the window. */
  static void checkNewlyCreated(ContentWriter w, Instant postStart, Instant postUpdate) {
    IngestStatus st = w.status();
    assertEquals(EMPTY_DIGEST, w.digest(), "writer digest");
    assertEquals(0, st.offset(), "offset");
    within("started at", st.startedAt(), postStart, postUpdate);
  }

  /** containerd's {@code checkInfo}: digest, size, both times and exactly these labels. */
  static void checkInfo(
      ContentStore cs,
      String ns,
      String digest,
      long size,
      Map<String, String> labels,
      Instant c1,
      Instant c2,
      Instant u1,
      Instant u2) {
    ContentInfo info =
        cs.info(ns, digest).orElseThrow(() -> new AssertionError(digest + " in " + ns));
    assertEquals(digest, info.digest());
    assertEquals(size, info.size());
    within("created at", info.createdAt(), c1, c2);
    within("updated at", info.updatedAt(), u1, u2);
    assertEquals(labels, info.labels());
  }

  /** {@link #checkInfo} without labels, then the blob read back whole matches its digest. */
  static void checkContent(
      ContentStore cs, String ns, String digest, long size, Instant from, Instant to)
      throws IOException {
    checkInfo(cs, ns, digest, size, Map.of(), from, to, from, to);
    byte[] b;
    try (InputStream in = cs.read(ns, digest, 0)) {
      b = in.readAllBytes();
    }
    assertEquals(size, b.length, "blob size");
    assertEquals(digest, ContentStoreContract.sha256(b), "blob digest");
  }

  private static void within(String what, Instant t, Instant from, Instant to) {
    assertTrue(
        !t.isBefore(from) && !t.isAfter(to),
        "unexpected " + what + " " + t + ", expected between " + from + " and " + to);
  }

  /** A read-only seekable channel over bytes. */
  private static final class InMemoryChannel implements SeekableByteChannel {
    private final byte[] data;
    private long position;

    InMemoryChannel(byte[] data) {
      this.data = data;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (position >= data.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), data.length - position);
      dst.put(data, (int) position, n);
      position += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      position = newPosition;
      return this;
    }

    @Override
    public long size() {
      return data.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
