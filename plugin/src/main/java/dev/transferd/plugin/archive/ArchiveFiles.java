package dev.transferd.plugin.archive;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the tar pass found: every regular file as a committed blob, the links between paths, and the
 * few top-level documents that are parsed rather than stored ({@code manifest.json}, {@code
 * oci-layout}, {@code repositories}). Paths are clean (see {@link ArchivePaths}). After {@link
 * #settlePrefix}, lookups are relative to the one top-level directory an archive may be wrapped in.
 */
final class ArchiveFiles {
  /** Names parsed, not stored, when at the top level (or under the top-level directory). */
  static final Set<String> DOCUMENTS = Set.of("manifest.json", "oci-layout", "repositories");

  private static final int MAX_LINK_HOPS = 16;

  /** A regular file of the archive, stored as a blob. {@code head} is its first bytes. */
  record File(String path, String digest, long size, byte[] head) {
    Compression compression() {
      return Compression.detect(head, head.length);
    }
  }

  private final Map<String, File> files = new HashMap<>();
  private final Map<String, String> links = new HashMap<>();
  private final Map<String, byte[]> documents = new HashMap<>();
  private final Set<String> directories = new HashSet<>();
  private String prefix = "";

  void addFile(File file) {
    files.put(file.path(), file);
  }

  void addLink(String path, String target) {
    links.put(path, target);
  }

  void addDocument(String path, byte[] bytes) {
    documents.put(path, bytes);
  }

  void addDirectory(String path) {
    directories.add(path);
  }

  boolean contains(String path) {
    return files.containsKey(path)
        || links.containsKey(path)
        || documents.containsKey(path)
        || directories.contains(path);
  }

  /**
   * Picks the top-level directory that wraps the whole archive, if any: when nothing sits at the
   * top level but one directory, its contents are the archive.
   */
  void settlePrefix() {
    Set<String> tops = new HashSet<>();
    boolean fileAtTop = false;
    for (Map<String, ?> m : java.util.List.of(files, links, documents)) {
      for (String path : m.keySet()) {
        int slash = path.indexOf('/');
        if (slash < 0) {
          fileAtTop = true;
        } else {
          tops.add(path.substring(0, slash));
        }
      }
    }
    for (String dir : directories) {
      int slash = dir.indexOf('/');
      tops.add(slash < 0 ? dir : dir.substring(0, slash));
    }
    prefix = !fileAtTop && tops.size() == 1 ? tops.iterator().next() + "/" : "";
  }

  String prefix() {
    return prefix;
  }

  /** A top-level document's bytes. */
  Optional<byte[]> document(String name) {
    return Optional.ofNullable(documents.get(prefix + name));
  }

  /**
   * The file at {@code path} (relative to the prefix, already clean), following links.
   *
   * @throws InvalidArchiveException when a link leads outside the archive or round in circles
   */
  Optional<File> file(String path) throws InvalidArchiveException {
    String current = prefix + path;
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      File file = files.get(current);
      if (file != null) {
        return Optional.of(file);
      }
      String target = links.get(current);
      if (target == null) {
        return Optional.empty();
      }
      current = target;
    }
    throw new InvalidArchiveException(path, "more than " + MAX_LINK_HOPS + " links to follow");
  }

  /** Every stored file (not documents), for the OCI walk's "is it in the archive" question. */
  Map<String, File> files() {
    return files;
  }
}
