package dev.transferd.plugin.daemon;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.transferd.plugin.store.ContentSharingPolicy;
import dev.transferd.plugin.transfer.TransferSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads containerd-style TOML into a {@link DaemonConfig.Builder}.
 *
 * <p>Our own file has containerd's top-level shape:
 *
 * <pre>
 * version = 2
 * root = "/var/lib/transferd"
 * [ttrpc]   address, uid, gid, mode
 * [debug]   level
 * [metrics] address
 * [grpc]    address, uid, gid, mode   (containerd's content proxy plugin socket; off when unset)
 * [web]     address, namespace, tls_cert, tls_key, htpasswd, tokens_file, max_upload_size
 * [plugins."dev.transferd.v1.transfer"]   the transfer table (below)
 * </pre>
 *
 * <p>The transfer table holds containerd's transfer keys ({@code max_concurrent_downloads}, {@code
 * max_concurrent_uploaded_layers}, {@code config_path}), ours ({@code shutdown_grace}, {@code
 * credential_timeout}, {@code byte_stream_window}, {@code byte_stream_chunk}, and for archive
 * imports {@code max_archive_size}, {@code max_archive_json_size}, {@code require_archive_name},
 * and for pushes {@code push_chunk_size}), containerd's {@code concurrent_layer_fetch_buffer} (0 to
 * 511: one GET per blob, as containerd), containerd's {@code content_sharing_policy} ({@code
 * "shared"}, the default, or {@code "isolated"}), {@code ingest_grace} (ours), and may also hold
 * {@code root}, {@code [ttrpc]}, {@code [debug]}, {@code [metrics]} and {@code [grpc]}, so that the
 * same table in containerd's own {@code config.toml} configures the whole daemon (containerd skips
 * plugin tables of plugins it does not have). In our own file the top-level keys win over the
 * table's.
 *
 * <p>Unknown keys and containerd keys without meaning here are warnings; a value of the wrong type
 * or range is a {@link ConfigException} naming the file, line and key.
 */
final class ConfigFile {
  /** Our table's id under {@code [plugins]}, in containerd's {@code <type>.<name>} form. */
  static final String PLUGIN_ID = "dev.transferd.v1.transfer";

  /** The largest JSON document cap: a document is read into one array. */
  private static final int MAX_JSON_CAP = 1 << 30;

  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  /** containerd transfer keys that have no meaning for this daemon, and why. */
  private static final Map<String, String> UNUSED_CONTAINERD_KEYS =
      Map.of(
          "unpack_config", "transferd does not unpack layers",
          "max_concurrent_unpacks", "transferd does not unpack layers",
          "check_platform_supported", "transferd does not unpack layers");

  private final Path file;
  private final TomlLines lines;
  private final DaemonConfig.Builder into;
  private final List<String> warnings = new ArrayList<>();

  private ConfigFile(Path file, TomlLines lines, DaemonConfig.Builder into) {
    this.file = file;
    this.lines = lines;
    this.into = into;
  }

  /**
   * Applies our own config file to {@code into}.
   *
   * @return warnings, each naming its line
   */
  static List<String> readOwn(Path file, DaemonConfig.Builder into) throws ConfigException {
    String text = readText(file);
    ConfigFile reader = new ConfigFile(file, TomlLines.index(text), into);
    reader.readOwnDocument(parse(file, text));
    return reader.warnings;
  }

  /**
   * Applies our table in containerd's {@code config.toml} to {@code into}; containerd's own
   * settings are not looked at.
   *
   * @return warnings, each naming its line; one if the file has no table of ours
   */
  static List<String> readContainerd(Path file, DaemonConfig.Builder into) throws ConfigException {
    String text = readText(file);
    ConfigFile reader = new ConfigFile(file, TomlLines.index(text), into);
    JsonNode table = parse(file, text).path("plugins").path(PLUGIN_ID);
    if (table.isMissingNode()) {
      reader.warnings.add(
          file + ": no [plugins.\"" + PLUGIN_ID + "\"] table; using defaults and flags");
    } else {
      List<String> path = List.of("plugins", PLUGIN_ID);
      reader.readTransferTable(reader.table(table, path), path);
    }
    return reader.warnings;
  }

  private static String readText(Path file) throws ConfigException {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode parse(Path file, String text) throws ConfigException {
    try {
      JsonNode root = new TomlMapper().readTree(text);
      return root instanceof ObjectNode o ? o : new TomlMapper().createObjectNode();
    } catch (JacksonException e) {
      JsonLocation where = e.getLocation();
      String line = where != null && where.getLineNr() > 0 ? ":" + where.getLineNr() : "";
      throw new ConfigException(
          file + line + ": invalid TOML: " + e.getOriginalMessage().strip(), e);
    }
  }

  // ---- the two shapes ----

  private void readOwnDocument(ObjectNode document) throws ConfigException {
    JsonNode plugins = document.get("plugins");
    if (plugins != null) {
      ObjectNode table = table(plugins, List.of("plugins"));
      for (Map.Entry<String, JsonNode> plugin : table.properties()) {
        List<String> path = List.of("plugins", plugin.getKey());
        if (plugin.getKey().equals(PLUGIN_ID)) {
          readTransferTable(table(plugin.getValue(), path), path);
        } else {
          warn(path, "unknown plugin table, ignored (ours is [plugins.\"" + PLUGIN_ID + "\"])");
        }
      }
    }
    for (Map.Entry<String, JsonNode> entry : document.properties()) {
      List<String> path = List.of(entry.getKey());
      JsonNode value = entry.getValue();
      switch (entry.getKey()) {
        case "plugins" -> {}
        case "version" -> {
          long version = integer(value, path, 1, Integer.MAX_VALUE);
          // This file has containerd's version 2 layout; version 3 names other tables.
          if (version != 2) {
            throw invalid(
                path, "must be 2 (this file's layout is containerd's version 2), not " + value);
          }
        }
        case "state", "temp", "oom_score", "imports", "required_plugins", "disabled_plugins" ->
            warn(path, "containerd key not used by transferd, ignored");
        default -> {
          if (!readDaemonKey(entry.getKey(), value, path)) {
            warn(path, "unknown key, ignored");
          }
        }
      }
    }
  }

  private void readTransferTable(ObjectNode table, List<String> at) throws ConfigException {
    for (Map.Entry<String, JsonNode> entry : table.properties()) {
      String key = entry.getKey();
      JsonNode value = entry.getValue();
      List<String> path = child(at, key);
      switch (key) {
        case "max_concurrent_downloads" ->
            into.maxConcurrentDownloads = (int) integer(value, path, 1, 1024);
        case "max_concurrent_uploaded_layers" ->
            into.maxConcurrentUploadedLayers = (int) integer(value, path, 1, 1024);
        case "config_path" -> {
          String dir = string(value, path);
          into.hostsDir = dir.isEmpty() ? null : Path.of(dir);
        }
        case "shutdown_grace" -> into.shutdownGrace = duration(value, path);
        case "credential_timeout" -> into.credentialTimeout = duration(value, path);
        case "byte_stream_window" ->
            into.byteStreamWindow = (int) integer(value, path, 1024, 64 << 20);
        case "byte_stream_chunk" ->
            into.byteStreamChunk =
                (int)
                    integer(
                        value,
                        path,
                        1024,
                        dev.transferd.streams.bytestream.ByteStreamSettings.MAX_CHUNK_LIMIT);
        case "max_archive_size" -> into.maxArchiveBytes = integer(value, path, 1, Long.MAX_VALUE);
        case "max_archive_json_size" ->
            into.maxArchiveJsonBytes = (int) integer(value, path, 1024, MAX_JSON_CAP);
        case "require_archive_name" -> into.requireArchiveName = bool(value, path);
        case "push_chunk_size" -> into.pushChunkSize = pushChunkSize(value, path);
        case "concurrent_layer_fetch_buffer" ->
            into.concurrentLayerFetchBuffer =
                integer(value, path, 0, TransferSettings.MAX_FETCH_BUFFER);
        case "content_sharing_policy" -> into.contentSharing = sharingPolicy(value, path);
        case "ingest_grace" -> into.ingestGrace = duration(value, path);
        default -> {
          String why = UNUSED_CONTAINERD_KEYS.get(key);
          if (why != null) {
            warn(path, "containerd key accepted and not used: " + why);
          } else if (!readDaemonKey(key, value, path)) {
            warn(path, "unknown key, ignored");
          }
        }
      }
    }
  }

  /** The keys our file has at its top and the transfer table may repeat; false if not one. */
  private boolean readDaemonKey(String key, JsonNode value, List<String> path)
      throws ConfigException {
    switch (key) {
      case "root" -> into.root = nonEmptyPath(value, path);
      case "ttrpc" ->
          forEach(
              value,
              path,
              (k, v, p) -> {
                switch (k) {
                  case "address" -> into.address = nonEmptyPath(v, p);
                  case "uid" -> into.socketUid = (int) integer(v, p, -1, Integer.MAX_VALUE);
                  case "gid" -> into.socketGid = (int) integer(v, p, -1, Integer.MAX_VALUE);
                  case "mode" -> into.socketMode = mode(v, p);
                  case "max_recv_message_size", "max_send_message_size" ->
                      warn(p, "ttrpc frames are limited to 4 MiB; ignored");
                  default -> warn(p, "unknown key, ignored");
                }
              });
      case "grpc" ->
          forEach(
              value,
              path,
              (k, v, p) -> {
                switch (k) {
                  case "address" -> into.grpcAddress = nonEmptyPath(v, p);
                  case "uid" -> into.grpcUid = (int) integer(v, p, -1, Integer.MAX_VALUE);
                  case "gid" -> into.grpcGid = (int) integer(v, p, -1, Integer.MAX_VALUE);
                  case "mode" -> into.grpcMode = mode(v, p);
                  case "max_recv_message_size", "max_send_message_size" ->
                      warn(p, "gRPC messages are limited to 16 MiB, as containerd's; ignored");
                  default -> warn(p, "unknown key, ignored");
                }
              });
      case "debug" ->
          forEach(
              value,
              path,
              (k, v, p) -> {
                switch (k) {
                  case "level" -> into.logLevel = logLevel(v, p);
                  case "address", "uid", "gid", "format" ->
                      warn(p, "containerd debug key not used by transferd, ignored");
                  default -> warn(p, "unknown key, ignored");
                }
              });
      case "metrics" ->
          forEach(
              value,
              path,
              (k, v, p) -> {
                switch (k) {
                  case "address" -> into.metricsAddress = hostPort(v, p);
                  case "grpc_histogram" -> warn(p, "transferd serves ttrpc only; ignored");
                  default -> warn(p, "unknown key, ignored");
                }
              });
      case "web" ->
          forEach(
              value,
              path,
              (k, v, p) -> {
                switch (k) {
                  case "address" -> into.webAddress = hostPort(v, p);
                  case "namespace" -> into.webNamespace = string(v, p);
                  case "tls_cert" -> into.webTlsCert = nonEmptyPath(v, p);
                  case "tls_key" -> into.webTlsKey = nonEmptyPath(v, p);
                  case "htpasswd" -> into.webHtpasswd = nonEmptyPath(v, p);
                  case "tokens_file" -> into.webTokensFile = nonEmptyPath(v, p);
                  case "max_upload_size" -> into.webMaxUpload = integer(v, p, 1, Long.MAX_VALUE);
                  default -> warn(p, "unknown key, ignored");
                }
              });
      default -> {
        return false;
      }
    }
    return true;
  }

  // ---- typed values ----

  /** containerd's {@code content_sharing_policy}: "shared" or "isolated". */
  private ContentSharingPolicy sharingPolicy(JsonNode node, List<String> path)
      throws ConfigException {
    String value = string(node, path);
    try {
      return ContentSharingPolicy.parse(value);
    } catch (IllegalArgumentException e) {
      throw invalid(path, "must be \"shared\" or \"isolated\", not \"" + value + "\"");
    }
  }

  @FunctionalInterface
  private interface KeyReader {
    void read(String key, JsonNode value, List<String> path) throws ConfigException;
  }

  private void forEach(JsonNode node, List<String> path, KeyReader reader) throws ConfigException {
    for (Map.Entry<String, JsonNode> entry : table(node, path).properties()) {
      reader.read(entry.getKey(), entry.getValue(), child(path, entry.getKey()));
    }
  }

  private ObjectNode table(JsonNode node, List<String> path) throws ConfigException {
    if (node instanceof ObjectNode o) {
      return o;
    }
    throw invalid(path, "must be a table, not " + describe(node));
  }

  private long integer(JsonNode node, List<String> path, long min, long max)
      throws ConfigException {
    if (!node.isIntegralNumber()) {
      throw invalid(path, "must be an integer, not " + describe(node));
    }
    long value = node.asLong();
    if (value < min || value > max) {
      throw invalid(path, "must be between " + min + " and " + max + ", not " + value);
    }
    return value;
  }

  private long pushChunkSize(JsonNode node, List<String> path) throws ConfigException {
    long size = integer(node, path, 0, Integer.MAX_VALUE);
    if (size != 0 && size < TransferSettings.MIN_PUSH_CHUNK) {
      throw invalid(
          path,
          "must be 0 (each blob in one PUT) or at least "
              + TransferSettings.MIN_PUSH_CHUNK
              + " bytes, not "
              + size);
    }
    return size;
  }

  private boolean bool(JsonNode node, List<String> path) throws ConfigException {
    if (!node.isBoolean()) {
      throw invalid(path, "must be true or false, not " + describe(node));
    }
    return node.asBoolean();
  }

  private String string(JsonNode node, List<String> path) throws ConfigException {
    if (!node.isTextual()) {
      throw invalid(path, "must be a string, not " + describe(node));
    }
    return node.asText();
  }

  private Path nonEmptyPath(JsonNode node, List<String> path) throws ConfigException {
    String text = string(node, path);
    if (text.isEmpty()) {
      throw invalid(path, "must not be empty");
    }
    return Path.of(text);
  }

  private Duration duration(JsonNode node, List<String> path) throws ConfigException {
    try {
      Duration d = GoDuration.parse(string(node, path));
      if (d.isNegative()) {
        throw invalid(path, "must not be negative");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw invalid(path, e.getMessage());
    }
  }

  /** A file mode as an octal string ({@code "0660"}) or a TOML integer ({@code 0o660}). */
  private String mode(JsonNode node, List<String> path) throws ConfigException {
    long bits;
    if (node.isTextual() && node.asText().matches("0?[0-7]{3}")) {
      bits = Long.parseLong(node.asText(), 8);
    } else if (node.isIntegralNumber() && node.asLong() >= 0 && node.asLong() <= 0777) {
      bits = node.asLong();
    } else {
      throw invalid(path, "must be a file mode such as \"0660\" or 0o660, not " + describe(node));
    }
    StringBuilder perms = new StringBuilder();
    String letters = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      perms.append((bits & (1L << (8 - i))) != 0 ? letters.charAt(i) : '-');
    }
    return perms.toString();
  }

  private String logLevel(JsonNode node, List<String> path) throws ConfigException {
    String level = string(node, path).toLowerCase(java.util.Locale.ROOT);
    if (level.equals("fatal") || level.equals("panic")) {
      return "error";
    }
    if (level.equals("warning")) {
      return "warn";
    }
    if (!LOG_LEVELS.contains(level)) {
      throw invalid(path, "must be one of trace, debug, info, warn, error, not \"" + level + "\"");
    }
    return level;
  }

  private String hostPort(JsonNode node, List<String> path) throws ConfigException {
    String address = string(node, path);
    if (!address.isEmpty() && HostPort.problem(address) != null) {
      throw invalid(
          path,
          "must be host:port such as \"127.0.0.1:9310\", not \""
              + address
              + "\" (it "
              + HostPort.problem(address)
              + ")");
    }
    return address;
  }

  // ---- messages ----

  private static List<String> child(List<String> path, String key) {
    List<String> longer = new ArrayList<>(path);
    longer.add(key);
    return List.copyOf(longer);
  }

  private String where(List<String> path) {
    int line = lines.lineOf(path);
    return file + (line > 0 ? ":" + line : "") + ": " + keyName(path);
  }

  /** The key as TOML would write it: {@code plugins."dev.transferd.v1.transfer".root}. */
  static String keyName(List<String> path) {
    List<String> parts = new ArrayList<>();
    for (String p : path) {
      parts.add(p.matches("[A-Za-z0-9_-]+") ? p : "\"" + p + "\"");
    }
    return String.join(".", parts);
  }

  private ConfigException invalid(List<String> path, String problem) {
    return new ConfigException(where(path) + " " + problem);
  }

  private void warn(List<String> path, String problem) {
    warnings.add(where(path) + ": " + problem);
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "the string \"" + node.asText() + "\"";
    }
    if (node.isObject()) {
      return "a table";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isBoolean()) {
      return node.asText();
    }
    return node.toString();
  }
}
