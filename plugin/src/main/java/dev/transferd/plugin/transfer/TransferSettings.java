package dev.transferd.plugin.transfer;

import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.callback.CredentialRequester;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Transfer service runs its side streams, registry transfers and archive imports.
 *
 * @param byteStreams the window this server grants as receiver and the chunks it sends as sender
 * @param credentialTimeout how long a registry credential request waits for the client's answer
 * @param maxConcurrentDownloads blobs fetched at once across the whole service ({@code
 *     max_concurrent_downloads}, default 3)
 * @param maxConcurrentUploadedLayers blobs uploaded at once across the whole service ({@code
 *     max_concurrent_uploaded_layers}, default 3)
 * @param configPath the certs.d directory used when a request names no {@code host_dir} ({@code
 *     config_path}; containerd ignores it), or "" for none
 * @param archiveLimits the caps on imported archives and whether one without a repo:tag is refused
 *     ({@code max_archive_size}, {@code max_archive_json_size}, {@code require_archive_name})
 */
public record TransferSettings(
    ByteStreamSettings byteStreams,
    Duration credentialTimeout,
    int maxConcurrentDownloads,
    int maxConcurrentUploadedLayers,
    String configPath,
    ArchiveLimits archiveLimits) {
  public static final TransferSettings DEFAULTS =
      new TransferSettings(ByteStreamSettings.CONTAINERD, CredentialRequester.DEFAULT_TIMEOUT);

  public TransferSettings {
    Objects.requireNonNull(byteStreams, "byteStreams");
    Objects.requireNonNull(credentialTimeout, "credentialTimeout");
    Objects.requireNonNull(archiveLimits, "archiveLimits");
    if (maxConcurrentDownloads < 1 || maxConcurrentUploadedLayers < 1) {
      throw new IllegalArgumentException(
          "max_concurrent_downloads and max_concurrent_uploaded_layers must be at least 1");
    }
    configPath = configPath == null ? "" : configPath;
  }

  public TransferSettings(
      ByteStreamSettings byteStreams,
      Duration credentialTimeout,
      int maxConcurrentDownloads,
      int maxConcurrentUploadedLayers,
      String configPath) {
    this(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        ArchiveLimits.DEFAULTS);
  }

  public TransferSettings(ByteStreamSettings byteStreams, Duration credentialTimeout) {
    this(byteStreams, credentialTimeout, 3, 3, "");
  }

  public TransferSettings withByteStreams(ByteStreamSettings settings) {
    return new TransferSettings(
        settings,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits);
  }

  public TransferSettings withCredentialTimeout(Duration timeout) {
    return new TransferSettings(
        byteStreams,
        timeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits);
  }

  public TransferSettings withMaxConcurrentDownloads(int n) {
    return new TransferSettings(
        byteStreams, credentialTimeout, n, maxConcurrentUploadedLayers, configPath, archiveLimits);
  }

  public TransferSettings withMaxConcurrentUploadedLayers(int n) {
    return new TransferSettings(
        byteStreams, credentialTimeout, maxConcurrentDownloads, n, configPath, archiveLimits);
  }

  public TransferSettings withConfigPath(String path) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        path,
        archiveLimits);
  }

  public TransferSettings withArchiveLimits(ArchiveLimits limits) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        limits);
  }
}
