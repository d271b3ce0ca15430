package dev.transferd.plugin.registry;

import java.util.Map;
import java.util.Objects;

/**
 * How a transfer talks to registries: the resolver fields of the request (docs/protocol/transfer.md
 * §4.2, §7.4) and the daemon's settings.
 *
 * @param hostDir the certs.d directory ({@code host_dir}, else the daemon's {@code config_path}),
 *     or empty for none
 * @param defaultScheme {@code http}, {@code https}, or empty for containerd's rules
 * @param headers extra headers for every registry request; {@code Accept} replaces the manifest
 *     Accept list
 * @param credentials where credentials come from when a registry challenges
 * @param retry when failed requests are tried again
 * @param uploadChunkSize 0 to upload blobs in one PUT, else the PATCH chunk size in bytes
 * @param debug where HTTP debug output goes ({@code http_debug}, {@code logs_stream})
 */
public record RegistryOptions(
    String hostDir,
    String defaultScheme,
    Map<String, String> headers,
    CredentialSource credentials,
    RetryPolicy retry,
    long uploadChunkSize,
    HttpDebugLog debug) {
  public static final RegistryOptions DEFAULTS =
      new RegistryOptions(
          "",
          "",
          Map.of(),
          CredentialSource.anonymous(),
          RetryPolicy.DEFAULT,
          0,
          HttpDebugLog.NONE);

  public RegistryOptions {
    hostDir = hostDir == null ? "" : hostDir;
    defaultScheme = defaultScheme == null ? "" : defaultScheme;
    headers = Map.copyOf(headers);
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(debug, "debug");
    if (uploadChunkSize < 0) {
      throw new IllegalArgumentException("upload chunk size must not be negative");
    }
  }

  public RegistryOptions withHostDir(String dir) {
    return new RegistryOptions(
        dir, defaultScheme, headers, credentials, retry, uploadChunkSize, debug);
  }

  public RegistryOptions withDefaultScheme(String scheme) {
    return new RegistryOptions(
        hostDir, scheme, headers, credentials, retry, uploadChunkSize, debug);
  }

  public RegistryOptions withHeaders(Map<String, String> h) {
    return new RegistryOptions(
        hostDir, defaultScheme, h, credentials, retry, uploadChunkSize, debug);
  }

  public RegistryOptions withCredentials(CredentialSource c) {
    return new RegistryOptions(hostDir, defaultScheme, headers, c, retry, uploadChunkSize, debug);
  }

  public RegistryOptions withRetry(RetryPolicy r) {
    return new RegistryOptions(
        hostDir, defaultScheme, headers, credentials, r, uploadChunkSize, debug);
  }

  public RegistryOptions withUploadChunkSize(long size) {
    return new RegistryOptions(hostDir, defaultScheme, headers, credentials, retry, size, debug);
  }

  public RegistryOptions withDebug(HttpDebugLog log) {
    return new RegistryOptions(
        hostDir, defaultScheme, headers, credentials, retry, uploadChunkSize, log);
  }
}
