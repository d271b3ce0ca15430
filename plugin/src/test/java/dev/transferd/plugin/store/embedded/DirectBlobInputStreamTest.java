package dev.transferd.plugin.store.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** O_DIRECT reads of large blobs give exactly the file's bytes from any offset. */
class DirectBlobInputStreamTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "size={0} offset={1}")
  @CsvSource({
    "1048576, 0",
    "1048577, 0",
    "1048577, 1048576",
    "3145851, 1",
    "3145851, 4095",
    "3145851, 4096",
    "3145851, 4097",
    "3145851, 1048576",
    "3145851, 3145850",
    "3145851, 3145851",
  })
  void readsTheBlobFromAnyOffsetToItsEnd(int size, int offset) throws IOException {
    byte[] data = randomBytes(size);
    Path file = dir.resolve("blob");
    Files.write(file, data);
    DirectBlobInputStream in = DirectBlobInputStream.open(file, offset, size);
    assumeTrue(in != null, "the temp dir's file system has no O_DIRECT");
    try (in) {
      assertArrayEquals(Arrays.copyOfRange(data, offset, size), readInOddChunks(in));
      assertEquals(-1, in.read());
    }
  }

  @Test
  void aTailStillDirtyInThePageCacheIsReadAsWritten() throws IOException {
    byte[] data = randomBytes((2 << 20) + 777);
    Path file = dir.resolve("blob");
    // Written through the page cache and never synced: the direct read must still see it.
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
    }
    DirectBlobInputStream in = DirectBlobInputStream.open(file, 0, data.length);
    assumeTrue(in != null, "the temp dir's file system has no O_DIRECT");
    try (in) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void aFileShorterThanItsRecordedSizeIsAnErrorNotAShortBlob() throws IOException {
    byte[] data = randomBytes(3 << 20);
    Path file = dir.resolve("blob");
    Files.write(file, Arrays.copyOf(data, (2 << 20) + 10));
    DirectBlobInputStream in = DirectBlobInputStream.open(file, 0, data.length);
    assumeTrue(in != null, "the temp dir's file system has no O_DIRECT");
    try (in) {
      IOException e = assertThrows(IOException.class, in::readAllBytes);
      assertTrue(e.getMessage().contains("before its size " + data.length), e.getMessage());
    }
  }

  @Test
  void theStoreReadsLargeBlobsDirectAndSmallOnesThroughTheCache() throws IOException {
    try (EmbeddedStore store = StoreFixtures.openQuiet(dir.resolve("store"))) {
      byte[] large = randomBytes((4 << 20) + 5);
      byte[] small = randomBytes(1000);
      String largeDigest = StoreFixtures.put(store, "ns", large, Map.of(), null).digest();
      String smallDigest = StoreFixtures.put(store, "ns", small, Map.of(), null).digest();
      try (InputStream in = store.content().read("ns", largeDigest, 12_345)) {
        if (directAvailable()) {
          assertInstanceOf(DirectBlobInputStream.class, in);
        }
        assertArrayEquals(Arrays.copyOfRange(large, 12_345, large.length), in.readAllBytes());
      }
      try (InputStream in = store.content().read("ns", smallDigest, 0)) {
        assertArrayEquals(small, in.readAllBytes());
      }
    }
  }

  private boolean directAvailable() throws IOException {
    Path probe = Files.write(dir.resolve("probe"), new byte[4096]);
    DirectBlobInputStream in = DirectBlobInputStream.open(probe, 0, 4096);
    if (in != null) {
      in.close();
    }
    return in != null;
  }

  private static byte[] readInOddChunks(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = new byte[70_001];
    int n;
    while ((n = in.read(b, 0, b.length)) >= 0) {
      out.write(b, 0, n);
    }
    return out.toByteArray();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
