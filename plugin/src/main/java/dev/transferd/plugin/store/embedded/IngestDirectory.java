package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.IngestStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One ingest on disk: a directory holding the bytes so far ({@code data}), what the first writer
 * declared ({@code ref}, {@code namespace}, {@code startedat}, {@code total}, {@code expected}) and
 * when a writer last wrote to it ({@code updatedat}: set at creation, rewritten when a writer
 * closes, as containerd's local store does; the data file's modification time is when buffered
 * bytes reached the file, which can be later). The directory is assembled under a temp name and
 * renamed into place, so a crash never leaves half of one.
 */
record IngestDirectory(
    Path dir, String namespace, String ref, Instant startedAt, long total, String expected) {
  static final String DATA = "data";
  private static final String REF = "ref";
  private static final String NAMESPACE = "namespace";
  private static final String STARTED_AT = "startedat";
  private static final String TOTAL = "total";
  private static final String EXPECTED = "expected";
  private static final String UPDATED_AT = "updatedat";

  Path data() {
    return dir.resolve(DATA);
  }

  /** Creates the ingest directory atomically, with an empty data file. */
  static IngestDirectory create(
      ContentLayout layout,
      String namespace,
      String ref,
      long total,
      String expected,
      Instant startedAt)
      throws IOException {
    Path dir = layout.ingest(namespace, ref);
    Path temp = layout.ingests.resolve(ContentLayout.TEMP_PREFIX + UUID.randomUUID());
    Files.createDirectory(temp);
    try {
      write(temp.resolve(REF), ref);
      write(temp.resolve(NAMESPACE), namespace);
      write(temp.resolve(STARTED_AT), startedAt.toString());
      write(temp.resolve(UPDATED_AT), startedAt.toString());
      write(temp.resolve(TOTAL), Long.toString(Math.max(total, 0)));
      write(temp.resolve(EXPECTED), expected == null ? "" : expected);
      Files.createFile(temp.resolve(DATA));
      Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      FileTrees.delete(temp);
      throw e;
    }
    return new IngestDirectory(dir, namespace, ref, startedAt, Math.max(total, 0), expected);
  }

  /** Reads an ingest directory; empty when it is gone or incomplete. */
  static Optional<IngestDirectory> read(Path dir) throws IOException {
    try {
      if (!Files.isRegularFile(dir.resolve(DATA))) {
        return Optional.empty();
      }
      String expected = Files.readString(dir.resolve(EXPECTED), StandardCharsets.UTF_8);
      return Optional.of(
          new IngestDirectory(
              dir,
              Files.readString(dir.resolve(NAMESPACE), StandardCharsets.UTF_8),
              Files.readString(dir.resolve(REF), StandardCharsets.UTF_8),
              Instant.parse(Files.readString(dir.resolve(STARTED_AT), StandardCharsets.UTF_8)),
              Long.parseLong(Files.readString(dir.resolve(TOTAL), StandardCharsets.UTF_8)),
              expected.isEmpty() ? null : expected));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * The ingest's progress as the files show it now: the data file's size, and the stored time of
   * the last write (see {@link #updatedAt}).
   */
  IngestStatus status() throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(data(), BasicFileAttributes.class);
    return new IngestStatus(
        ref, attrs.size(), total, expected == null ? "" : expected, startedAt, updatedAt(attrs));
  }

  /**
   * When a writer last wrote: the stored {@code updatedat}; the data file's modification time when
   * that file is missing or unreadable (an ingest made before it existed, or a crash while it was
   * rewritten).
   */
  Instant updatedAt() throws IOException {
    return updatedAt(Files.readAttributes(data(), BasicFileAttributes.class));
  }

  private Instant updatedAt(BasicFileAttributes attrs) throws IOException {
    try {
      return Instant.parse(Files.readString(dir.resolve(UPDATED_AT), StandardCharsets.UTF_8));
    } catch (NoSuchFileException | java.time.format.DateTimeParseException e) {
      return attrs.lastModifiedTime().toInstant();
    }
  }

  /**
   * Stores the time of the last write. Nothing is written when the ingest has been removed (an
   * abort while its writer was open): the directory is not brought back.
   */
  void storeUpdatedAt(Instant when) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Path temp = dir.resolve(UPDATED_AT + ".new");
    try {
      write(temp, when.toString());
      Files.move(temp, dir.resolve(UPDATED_AT), StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException gone) {
      // removed meanwhile (aborted): nothing to record
    }
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}
