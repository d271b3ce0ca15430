package dev.transferd.plugin.store.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both write paths (O_DIRECT where the file system has it, page cache always) keep every byte. */
class PipelinedAppenderTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "tryDirect={0}")
  @ValueSource(booleans = {true, false})
  void appendsOddChunksAfterAnExistingPrefixInOrder(boolean tryDirect) throws IOException {
    byte[] data = new byte[(9 << 20) + 4097];
    new Random(3).nextBytes(data);
    Path file = dir.resolve("data");
    // O_DIRECT needs a block-aligned start; the page cache path gets an odd one.
    int prefix = tryDirect ? 8192 : 5000;
    Files.write(file, Arrays.copyOf(data, prefix));
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        PipelinedAppender appender = PipelinedAppender.open(file, ch, prefix, tryDirect)) {
      if (!tryDirect) {
        assertFalse(appender.isDirect());
      }
      int chunk = 65_537;
      for (int i = prefix; i < data.length; i += Math.min(chunk, data.length - i)) {
        appender.append(data, i, Math.min(chunk, data.length - i));
      }
      appender.drain();
    }
    assertArrayEquals(data, Files.readAllBytes(file));
  }

  @Test
  void aFailedWriteFailsThisAndEveryLaterCall() throws IOException {
    Path full = Path.of("/dev/full"); // every write: ENOSPC, as on a full disk
    byte[] data = new byte[200 << 10];
    try (FileChannel ch = FileChannel.open(full, StandardOpenOption.WRITE);
        PipelinedAppender appender = PipelinedAppender.open(full, ch, 0, false)) {
      IOException first =
          assertThrows(
              IOException.class,
              () -> {
                appender.append(data, 0, data.length);
                appender.drain();
              });
      assertTrue(appender.isBroken(), first.toString());
      IOException later = assertThrows(IOException.class, () -> appender.append(data, 0, 1));
      assertTrue(later.getMessage().contains("earlier append"), later.getMessage());
      assertThrows(IOException.class, appender::drain);
    }
  }
}
