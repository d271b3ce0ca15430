package dev.transferd.plugin.archive;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Any bytes given to the importer as an archive either import or fail with {@link
 * InvalidArchiveException}: never another exception, a hang or unbounded memory. The committed
 * inputs (valid archives of each format and their broken variants) run with the tests; {@code make
 * fuzz} mutates them.
 */
class ArchiveImporterFuzzTest {
  private static final ArchiveLimits LIMITS = ArchiveLimits.DEFAULTS;

  @FuzzTest
  void anyArchiveImportsOrFailsCleanly(byte[] archive) throws IOException {
    MemoryBlobSink sink = new MemoryBlobSink();
    try {
      ArchiveImporter.read(new ByteArrayInputStream(archive), "", sink, LIMITS);
    } catch (InvalidArchiveException expected) {
      // the clean refusal
    }
  }
}
