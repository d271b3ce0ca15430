package dev.transferd.plugin.archive;

/**
 * Caps that keep a hostile archive from exhausting the daemon (issue #7, seed 002).
 *
 * @param maxArchiveBytes the most bytes an archive may have, counted after decompression
 * @param maxJsonBytes the most bytes of any JSON document read from it ({@code manifest.json},
 *     {@code index.json}, manifests, configs)
 * @param requireRepoTag refuse archives in which no image has a repo:tag (the upload page's option)
 */
public record ArchiveLimits(long maxArchiveBytes, int maxJsonBytes, boolean requireRepoTag) {
  public static final ArchiveLimits DEFAULTS =
      new ArchiveLimits(64L * 1024 * 1024 * 1024, 8 * 1024 * 1024, false);

  public ArchiveLimits {
    if (maxArchiveBytes <= 0 || maxJsonBytes <= 0) {
      throw new IllegalArgumentException("archive limits must be positive");
    }
  }

  public ArchiveLimits withMaxArchiveBytes(long bytes) {
    return new ArchiveLimits(bytes, maxJsonBytes, requireRepoTag);
  }

  public ArchiveLimits withMaxJsonBytes(int bytes) {
    return new ArchiveLimits(maxArchiveBytes, bytes, requireRepoTag);
  }

  public ArchiveLimits withRequireRepoTag(boolean require) {
    return new ArchiveLimits(maxArchiveBytes, maxJsonBytes, require);
  }
}
