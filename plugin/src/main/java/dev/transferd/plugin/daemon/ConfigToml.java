package dev.transferd.plugin.daemon;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/**
 * A {@link DaemonConfig} written back as our own TOML file ({@code transferd --check-config}):
 * every setting, in the shape {@link ConfigFile#readOwn} reads, so that the output is itself a
 * valid configuration that resolves to the same settings.
 */
final class ConfigToml {
  private ConfigToml() {}

  static String render(DaemonConfig c) {
    StringBuilder t = new StringBuilder();
    t.append("version = 2\n");
    t.append("root = ").append(string(c.root().toString())).append('\n');
    t.append("\n[ttrpc]\n");
    t.append("address = ").append(string(c.address().toString())).append('\n');
    t.append("uid = ").append(c.socketUid()).append('\n');
    t.append("gid = ").append(c.socketGid()).append('\n');
    t.append("mode = ").append(string(octal(c.socketMode()))).append('\n');
    t.append("\n[debug]\n");
    t.append("level = ").append(string(c.logLevel())).append('\n');
    t.append("\n[metrics]\n");
    t.append("address = ").append(string(c.metricsAddress())).append('\n');
    if (c.grpc() != null) {
      t.append("\n[grpc]\n");
      t.append("address = ").append(string(c.grpc().address().toString())).append('\n');
      t.append("uid = ").append(c.grpc().uid()).append('\n');
      t.append("gid = ").append(c.grpc().gid()).append('\n');
      t.append("mode = ").append(string(octal(c.grpc().mode()))).append('\n');
    }
    if (c.web().enabled()) {
      t.append("\n[web]\n");
      t.append("address = ").append(string(c.web().address())).append('\n');
      t.append("namespace = ").append(string(c.web().namespace())).append('\n');
      optionalPath(t, "tls_cert", c.web().tlsCert());
      optionalPath(t, "tls_key", c.web().tlsKey());
      optionalPath(t, "htpasswd", c.web().htpasswd());
      optionalPath(t, "tokens_file", c.web().tokensFile());
      t.append("max_upload_size = ").append(c.web().maxUploadBytes()).append('\n');
    }
    t.append("\n[plugins.\"").append(ConfigFile.PLUGIN_ID).append("\"]\n");
    t.append("max_concurrent_downloads = ").append(c.maxConcurrentDownloads()).append('\n');
    t.append("max_concurrent_uploaded_layers = ")
        .append(c.maxConcurrentUploadedLayers())
        .append('\n');
    t.append("config_path = ")
        .append(string(c.hostsDir() == null ? "" : c.hostsDir().toString()))
        .append('\n');
    t.append("shutdown_grace = ").append(string(goDuration(c.shutdownGrace()))).append('\n');
    t.append("credential_timeout = ")
        .append(string(goDuration(c.credentialTimeout())))
        .append('\n');
    t.append("byte_stream_window = ").append(c.byteStreams().window()).append('\n');
    t.append("byte_stream_chunk = ").append(c.byteStreams().maxChunk()).append('\n');
    t.append("max_archive_size = ").append(c.archiveLimits().maxArchiveBytes()).append('\n');
    t.append("max_archive_json_size = ").append(c.archiveLimits().maxJsonBytes()).append('\n');
    t.append("require_archive_name = ").append(c.archiveLimits().requireRepoTag()).append('\n');
    t.append("push_chunk_size = ").append(c.pushChunkSize()).append('\n');
    t.append("concurrent_layer_fetch_buffer = ")
        .append(c.concurrentLayerFetchBuffer())
        .append('\n');
    t.append("ingest_grace = ").append(string(goDuration(c.ingestGrace()))).append('\n');
    t.append("content_sharing_policy = ")
        .append(string(c.contentSharing().name().toLowerCase(java.util.Locale.ROOT)))
        .append('\n');
    return t.toString();
  }

  private static void optionalPath(StringBuilder t, String key, java.nio.file.Path path) {
    if (path != null) {
      t.append(key).append(" = ").append(string(path.toString())).append('\n');
    }
  }

  /** A TOML basic string. */
  static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20 || ch == 0x7f) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** {@code rw-rw----} as {@code 0660}. */
  static String octal(String permissions) {
    Set<PosixFilePermission> set = PosixFilePermissions.fromString(permissions);
    int bits = 0;
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if (set.contains(p)) {
        bits |= 1 << (8 - p.ordinal());
      }
    }
    return String.format("0%03o", bits);
  }

  /** A duration as Go writes one ({@code 1h2m3s}, {@code 250ms}, {@code 0s}). */
  static String goDuration(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    int seconds = d.toSecondsPart();
    int millis = d.toMillisPart();
    long nanos = d.toNanosPart() % 1_000_000;
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (minutes > 0) {
      b.append(minutes).append('m');
    }
    if (seconds > 0) {
      b.append(seconds).append('s');
    }
    if (millis > 0) {
      b.append(millis).append("ms");
    }
    if (nanos > 0) {
      b.append(nanos).append("ns");
    }
    return b.toString();
  }
}
