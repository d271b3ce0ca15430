package dev.transferd.plugin.daemon;

import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.transfer.TransferSettings;
import dev.transferd.plugin.web.WebSettings;
import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.callback.CredentialRequester;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the daemon runs with, after defaults, containerd's {@code config.toml}, our own file
 * and flags have been applied in that order (later wins).
 *
 * @param root the store's directory
 * @param address the ttrpc unix socket
 * @param socketUid owner given to the socket file, -1 to leave it (containerd's {@code [ttrpc]
 *     uid}); when either id is set, any peer the file's mode lets in may connect
 * @param socketGid group given to the socket file, -1 to leave it
 * @param socketMode the socket file's permissions, e.g. {@code rw-rw----}
 * @param logLevel trace, debug, info, warn or error
 * @param metricsAddress {@code host:port} of the Prometheus endpoint, "" for none
 * @param maxConcurrentDownloads containerd's key: blobs fetched at once per pull
 * @param maxConcurrentUploadedLayers containerd's key: blobs pushed at once per push
 * @param hostsDir containerd's {@code config_path}: the {@code hosts.toml} directory used when a
 *     request names none; null for none
 * @param credentialTimeout how long a credential request waits for the client
 * @param byteStreams window and chunk sizes of this server's byte streams
 * @param shutdownGrace how long SIGTERM waits for transfers in flight before cancelling them
 * @param archiveLimits caps on imported archives ({@code max_archive_size}, {@code
 *     max_archive_json_size}) and {@code require_archive_name}
 * @param pushChunkSize {@code push_chunk_size}: 0 to upload each blob in one PUT, else the PATCH
 *     chunk size in bytes
 * @param concurrentLayerFetchBuffer containerd's {@code concurrent_layer_fetch_buffer}: at least
 *     512 fetches a blob larger than this as parallel ranged GETs of this size; 0 for one GET
 * @param contentSharing containerd's {@code content_sharing_policy}: whether a namespace may take a
 *     blob another namespace holds without uploading it (shared, the default) or not (isolated)
 * @param grpc the gRPC socket for containerd's content proxy plugin ({@code [grpc]}); null for
 *     none, the default
 * @param web the {@code [web]} table: console and pull endpoint, off by default
 * @param ingestGrace {@code ingest_grace}: how long an ingest no writer and no lease holds stays
 *     for a client to resume it before the garbage collector removes it (containerd: 24 h)
 */
public record DaemonConfig(
    Path root,
    Path address,
    int socketUid,
    int socketGid,
    String socketMode,
    String logLevel,
    String metricsAddress,
    int maxConcurrentDownloads,
    int maxConcurrentUploadedLayers,
    Path hostsDir,
    Duration credentialTimeout,
    ByteStreamSettings byteStreams,
    Duration shutdownGrace,
    ArchiveLimits archiveLimits,
    long pushChunkSize,
    long concurrentLayerFetchBuffer,
    ContentSharingPolicy contentSharing,
    GrpcEndpoint grpc,
    WebSettings web,
    Duration ingestGrace) {

  /** {@code ingest_grace} unless configured: minutes, so a crash leaves nothing for a day. */
  public static final Duration DEFAULT_INGEST_GRACE = Duration.ofMinutes(10);

  public DaemonConfig {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(socketMode, "socketMode");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(metricsAddress, "metricsAddress");
    Objects.requireNonNull(credentialTimeout, "credentialTimeout");
    Objects.requireNonNull(byteStreams, "byteStreams");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(archiveLimits, "archiveLimits");
    Objects.requireNonNull(contentSharing, "contentSharing");
    Objects.requireNonNull(web, "web");
    Objects.requireNonNull(ingestGrace, "ingestGrace");
  }

  /** The Transfer service's part of this configuration. */
  public TransferSettings transferSettings() {
    return new TransferSettings(
        byteStreams,
        credentialTimeout,
        maxConcurrentDownloads,
        maxConcurrentUploadedLayers,
        hostsDir == null ? "" : hostsDir.toString(),
        archiveLimits,
        pushChunkSize,
        concurrentLayerFetchBuffer);
  }

  /** Collects settings from each source; unset fields fall back to the defaults. */
  public static final class Builder {
    Path root;
    Path address;
    Integer socketUid;
    Integer socketGid;
    String socketMode;
    String logLevel;
    String metricsAddress;
    Integer maxConcurrentDownloads;
    Integer maxConcurrentUploadedLayers;
    Path hostsDir;
    Duration credentialTimeout;
    Integer byteStreamWindow;
    Integer byteStreamChunk;
    Duration shutdownGrace;
    Long maxArchiveBytes;
    Integer maxArchiveJsonBytes;
    Boolean requireArchiveName;
    Long pushChunkSize;
    Long concurrentLayerFetchBuffer;
    ContentSharingPolicy contentSharing;
    Path grpcAddress;
    Integer grpcUid;
    Integer grpcGid;
    String grpcMode;
    String webAddress;
    String webNamespace;
    Path webTlsCert;
    Path webTlsKey;
    Path webHtpasswd;
    Path webTokensFile;
    Long webMaxUpload;
    Duration ingestGrace;

    public Builder root(Path root) {
      this.root = root;
      return this;
    }

    public Builder address(Path address) {
      this.address = address;
      return this;
    }

    public Builder logLevel(String level) {
      this.logLevel = level;
      return this;
    }

    /** The gRPC socket for containerd's content proxy plugin; null for none. */
    public Builder grpcAddress(Path address) {
      this.grpcAddress = address;
      return this;
    }

    public Builder metricsAddress(String address) {
      this.metricsAddress = address;
      return this;
    }

    public Builder webAddress(String address) {
      this.webAddress = address;
      return this;
    }

    /**
     * @throws IllegalArgumentException when the {@code [web]} settings are inconsistent or expose
     *     the server beyond loopback without TLS and authentication
     */
    public DaemonConfig build(DefaultLocations defaults) {
      ByteStreamSettings streams =
          new ByteStreamSettings(
              or(byteStreamWindow, ByteStreamSettings.CONTAINERD.window()),
              or(byteStreamChunk, ByteStreamSettings.CONTAINERD.maxChunk()));
      return new DaemonConfig(
          or(root, defaults.root()),
          or(address, defaults.address()),
          or(socketUid, -1),
          or(socketGid, -1),
          or(socketMode, "rw-rw----"),
          or(logLevel, "info"),
          or(metricsAddress, ""),
          or(maxConcurrentDownloads, 3),
          or(maxConcurrentUploadedLayers, 3),
          hostsDir,
          or(credentialTimeout, CredentialRequester.DEFAULT_TIMEOUT),
          streams,
          or(shutdownGrace, Duration.ofSeconds(10)),
          new ArchiveLimits(
              or(maxArchiveBytes, ArchiveLimits.DEFAULTS.maxArchiveBytes()),
              or(maxArchiveJsonBytes, ArchiveLimits.DEFAULTS.maxJsonBytes()),
              or(requireArchiveName, ArchiveLimits.DEFAULTS.requireRepoTag())),
          or(pushChunkSize, 0L),
          or(concurrentLayerFetchBuffer, 0L),
          or(contentSharing, ContentSharingPolicy.SHARED),
          grpcAddress == null
              ? null
              : new GrpcEndpoint(
                  grpcAddress,
                  or(grpcUid, -1),
                  or(grpcGid, -1),
                  or(grpcMode, GrpcEndpoint.DEFAULT_MODE)),
          web(),
          or(ingestGrace, DEFAULT_INGEST_GRACE));
    }

    private WebSettings web() {
      WebSettings web =
          new WebSettings(
              or(webAddress, ""),
              or(webNamespace, WebSettings.OFF.namespace()),
              webTlsCert,
              webTlsKey,
              webHtpasswd,
              webTokensFile,
              or(webMaxUpload, WebSettings.DEFAULT_MAX_UPLOAD));
      web.requireSafeExposure();
      return web;
    }

    private static <T> T or(T value, T fallback) {
      return value != null ? value : fallback;
    }
  }
}
