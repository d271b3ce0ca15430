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
 * @param pushChunkSize 0 to upload each blob in one {@code PUT}, else the size of the {@code PATCH}
 *     chunks ({@code push_chunk_size}); a chunked upload that breaks continues where the registry's
 *     upload session stands instead of starting the blob again
 * @param concurrentLayerFetchBuffer {@code concurrent_layer_fetch_buffer}: below {@value
 *     #MIN_FETCH_BUFFER} (0, the default) each blob is one GET; else a blob larger than this is
 *     fetched as ranged GETs of this many bytes over up to {@code max_concurrent_downloads}
 *     connections, written to its ingest in order
 */
public record TransferSettings(
    ByteStreamSettings byteStreams,
    Duration credentialTimeout,
    int maxConcurrentDownloads,
    int maxConcurrentUploadedLayers,
    String configPath,
    ArchiveLimits archiveLimits,
    long pushChunkSize,
    long concurrentLayerFetchBuffer) {
  /** The smallest {@code push_chunk_size} other than 0. */
  public static final long MIN_PUSH_CHUNK = 1024;

  /**
   * The smallest {@code concurrent_layer_fetch_buffer} that turns ranged fetches on (containerd).
   */
  public static final long MIN_FETCH_BUFFER = 512;

  /**
   * The largest {@code concurrent_layer_fetch_buffer}: each connection holds one range in memory.
   */
  public static final long MAX_FETCH_BUFFER = 256L << 20;

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
    if (pushChunkSize != 0 && pushChunkSize < MIN_PUSH_CHUNK) {
      throw new IllegalArgumentException(
          "push_chunk_size must be 0 (one PUT per blob) or at least "
              + MIN_PUSH_CHUNK
              + " bytes, not "
              + pushChunkSize);
    }
    if (concurrentLayerFetchBuffer < 0 || concurrentLayerFetchBuffer > MAX_FETCH_BUFFER) {
      throw new IllegalArgumentException(
          "concurrent_layer_fetch_buffer must be between 0 and "
              + MAX_FETCH_BUFFER
              + " bytes, not "
              + concurrentLayerFetchBuffer);
    }
    configPath = configPath == null ? "" : configPath;
  }

  /** Whether large blobs are fetched as parallel ranged GETs. */
  public boolean rangedFetch() {
    return concurrentLayerFetchBuffer >= MIN_FETCH_BUFFER;
  }

  public TransferSettings(
      ByteStreamSettings byteStreams,
      Duration credentialTimeout,
      int maxConcurrentDownloads,
      int maxConcurrentUploadedLayers,
      String configPath,
      ArchiveLimits archiveLimits,
      long pushChunkSize) {
    this(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        pushChunkSize,
        0);
  }

  public TransferSettings(
      ByteStreamSettings byteStreams,
      Duration credentialTimeout,
      int maxConcurrentDownloads,
      int maxConcurrentUploadedLayers,
      String configPath,
      ArchiveLimits archiveLimits) {
    this(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        0);
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
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withCredentialTimeout(Duration timeout) {
    return new TransferSettings(
        byteStreams,
        timeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withMaxConcurrentDownloads(int n) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        n,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withMaxConcurrentUploadedLayers(int n) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        n,
        configPath,
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withConfigPath(String path) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        path,
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withArchiveLimits(ArchiveLimits limits) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        limits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withPushChunkSize(long size) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        size,
        concurrentLayerFetchBuffer);
  }

  public TransferSettings withConcurrentLayerFetchBuffer(long bytes) {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        configPath,
        archiveLimits,
        pushChunkSize,
        bytes);
  }
}
