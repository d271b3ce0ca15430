package dev.transferd.plugin.archive;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an image archive into a {@link BlobSink}: one pass over the tar storing and validating
 * every file, then the layout's documents parsed, checked and, for Docker saves, turned into
 * manifests and an OCI index. Layout preference: OCI layout (also docker 25's hybrid), then {@code
 * manifest.json}, then {@code repositories}. Blocking; on the caller's thread.
 */
public final class ArchiveImporter {
  private ArchiveImporter() {}

  /** {@link #read(InputStream, String, boolean, BlobSink, ArchiveLimits)} without compressing. */
  public static ImportedArchive read(
      InputStream archive, String mediaType, BlobSink sink, ArchiveLimits limits)
      throws IOException {
    return read(archive, mediaType, false, sink, limits);
  }

  /**
   * @param mediaType "" to detect an outer gzip or zstd wrapper by its magic; otherwise the tar is
   *     read raw
   * @param forceCompress gzip the uncompressed layers of Docker saves ({@code force_compress}; OCI
   *     layouts are taken as they are, as in containerd)
   * @throws InvalidArchiveException naming the file and problem when the archive is unusable
   */
  public static ImportedArchive read(
      InputStream archive,
      String mediaType,
      boolean forceCompress,
      BlobSink sink,
      ArchiveLimits limits)
      throws IOException {
    ArchiveFiles files = new ArchiveScanner(sink, limits).scan(archive, mediaType);
    var layout = files.document("oci-layout");
    if (layout.isPresent()) {
      return OciLayoutFormat.read(files, layout.get(), sink, limits);
    }
    var manifest = files.document(DockerSaveFormat.DOCUMENT);
    if (manifest.isPresent()) {
      return DockerSaveFormat.read(files, manifest.get(), sink, limits, forceCompress);
    }
    var repositories = files.document(LegacyDockerSaveFormat.DOCUMENT);
    if (repositories.isPresent()) {
      return LegacyDockerSaveFormat.read(files, repositories.get(), sink, limits, forceCompress);
    }
    throw new InvalidArchiveException(
        "archive",
        "unrecognized image format: no oci-layout, manifest.json or repositories at the top level");
  }
}
