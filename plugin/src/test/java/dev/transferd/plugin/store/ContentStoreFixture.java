package dev.transferd.plugin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the content contract's tests share: a store opened by the subclass with a sharing policy
 * over a temporary root ({@link #reopen()} gives a store over the same data), and small helpers.
 */
public abstract class ContentStoreFixture {
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
}
