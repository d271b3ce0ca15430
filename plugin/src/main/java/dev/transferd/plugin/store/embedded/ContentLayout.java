package dev.transferd.plugin.store.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Where the bytes live, in containerd's layout:
 *
 * <pre>
 * root/content/blobs/sha256/&lt;hex&gt;          committed blobs, read-only once renamed in
 * root/content/ingest/&lt;sha256(ns \0 ref)&gt;/  one directory per ingest: data, ref, namespace,
 *                                         startedat, total, expected
 * root/content/ingest/.tmp-*              an ingest directory being created (renamed into place)
 * </pre>
 *
 * Anything named {@code .tmp-*} is a leftover of a crash once the store is closed, and is removed
 * when the store opens.
 */
final class ContentLayout {
  static final String TEMP_PREFIX = ".tmp-";

  final Path root;
  final Path blobs;
  final Path ingests;

  ContentLayout(Path root) {
    this.root = root;
    this.blobs = root.resolve("content").resolve("blobs").resolve("sha256");
    this.ingests = root.resolve("content").resolve("ingest");
  }

  void create() throws IOException {
    Files.createDirectories(blobs);
    Files.createDirectories(ingests);
  }

  Path blob(String digest) {
    return blobs.resolve(Sha256.hexOf(digest));
  }

  /** The directory of an ingest: namespaces keep their refs apart, the hash keeps names safe. */
  Path ingest(String namespace, String ref) {
    byte[] sum =
        Sha256.newDigest().digest((namespace + "\0" + ref).getBytes(StandardCharsets.UTF_8));
    return ingests.resolve(HexFormat.of().formatHex(sum));
  }

  /** Digests of the blob files present, whatever the metadata says. */
  List<String> blobDigests() throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(blobs)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (Sha256.isHex(name)) {
          out.add(Sha256.PREFIX + name);
        }
      }
    }
    return out;
  }

  /** Ingest directories present (complete ones: temp directories are not listed). */
  List<Path> ingestDirectories() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(ingests)) {
      for (Path p : dir) {
        if (!p.getFileName().toString().startsWith(TEMP_PREFIX) && Files.isDirectory(p)) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /**
   * Removes what a crash can leave behind: temp ingest directories, and ingest directories without
   * their data file (a commit renamed the data into place but died before removing the rest).
   * Ingests with data are kept for resume.
   *
   * @return how many leftovers were removed
   */
  int removeCrashLeftovers() throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(ingests)) {
      for (Path p : dir) {
        boolean temp = p.getFileName().toString().startsWith(TEMP_PREFIX);
        if (temp || !Files.isRegularFile(p.resolve(IngestDirectory.DATA))) {
          FileTrees.delete(p);
          removed++;
        }
      }
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(blobs)) {
      for (Path p : dir) {
        if (!Sha256.isHex(p.getFileName().toString())) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Makes a directory's entries (renames, creations, removals) durable. */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
