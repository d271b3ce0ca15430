package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.HTTPDebug;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.proto.types.transfer.RegistryResolver;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamIds;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An image in an OCI registry ({@code containerd.types.transfer.OCIRegistry}): a source to pull
 * from or a destination to push to.
 *
 * @param reference the full reference with its host, e.g. {@code docker.io/library/alpine:3.20}
 * @param headers extra HTTP headers for every registry request
 * @param hostDir a {@code certs.d}-style directory on the <em>server's</em> filesystem; "" for none
 * @param defaultScheme {@code http} or {@code https} for hosts without configuration; "" for the
 *     server's default
 * @param credentials answers the server's credential requests; null for anonymous access (then no
 *     credential stream is opened)
 * @param httpDebug what HTTP debug output the server writes ({@code http_debug}, containerd 2.1+)
 * @param httpDebugOut where that output arrives (a {@code logs_stream} the server sends on, flushed
 *     and complete when the transfer returns; the caller keeps and closes it); null to leave it in
 *     the daemon's log
 */
public record RegistryImage(
    String reference,
    Map<String, String> headers,
    String hostDir,
    String defaultScheme,
    CredentialHelper credentials,
    HttpDebug httpDebug,
    OutputStream httpDebugOut)
    implements TransferSource, TransferDestination {

  /** HTTP debug output, as containerd's {@code HTTPDebug}: ctr's --http-dump and --http-trace. */
  public enum HttpDebug {
    DISABLED,
    /** request and response lines and headers (secrets redacted) */
    DEBUG,
    /** connection-level events: redirects, retries, challenges, body sizes and timings */
    TRACE,
    BOTH;

    /** The level for ctr's flags. */
    public static HttpDebug of(boolean dump, boolean trace) {
      return dump ? (trace ? BOTH : DEBUG) : (trace ? TRACE : DISABLED);
    }

    HTTPDebug toProto() {
      return switch (this) {
        case DISABLED -> HTTPDebug.DISABLED;
        case DEBUG -> HTTPDebug.DEBUG;
        case TRACE -> HTTPDebug.TRACE;
        case BOTH -> HTTPDebug.BOTH;
      };
    }
  }

  public RegistryImage {
    Objects.requireNonNull(reference, "reference");
    if (reference.isEmpty()) {
      throw new IllegalArgumentException("a registry image needs a reference");
    }
    headers = Map.copyOf(headers);
    hostDir = hostDir == null ? "" : hostDir;
    defaultScheme = defaultScheme == null ? "" : defaultScheme;
    httpDebug = httpDebug == null ? HttpDebug.DISABLED : httpDebug;
  }

  /** {@code reference}, anonymously, with the server's defaults. */
  public static RegistryImage of(String reference) {
    return new RegistryImage(reference, Map.of(), "", "", null, HttpDebug.DISABLED, null);
  }

  public RegistryImage withCredentials(CredentialHelper helper) {
    return new RegistryImage(
        reference, headers, hostDir, defaultScheme, helper, httpDebug, httpDebugOut);
  }

  public RegistryImage withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RegistryImage(
        reference, more, hostDir, defaultScheme, credentials, httpDebug, httpDebugOut);
  }

  public RegistryImage withHostDir(String directory) {
    return new RegistryImage(
        reference, headers, directory, defaultScheme, credentials, httpDebug, httpDebugOut);
  }

  /** {@code "http"} for a plain-HTTP registry, like {@code ctr --plain-http}. */
  public RegistryImage withDefaultScheme(String scheme) {
    return new RegistryImage(
        reference, headers, hostDir, scheme, credentials, httpDebug, httpDebugOut);
  }

  /**
   * HTTP debug output at {@code level} written into {@code out} (null: the daemon's log), like
   * ctr's {@code --http-dump} / {@code --http-trace}.
   */
  public RegistryImage withHttpDebug(HttpDebug level, OutputStream out) {
    return new RegistryImage(reference, headers, hostDir, defaultScheme, credentials, level, out);
  }

  /**
   * Opens the credential stream if there is a helper and the debug log stream if output is wanted
   * here (receiving at once, granting the first credit), and encodes the endpoint.
   */
  Any marshal(TransferSession session) throws InterruptedException {
    RegistryResolver.Builder resolver =
        RegistryResolver.newBuilder()
            .putAllHeaders(headers)
            .setHostDir(hostDir)
            .setDefaultScheme(defaultScheme)
            .setHttpDebug(httpDebug.toProto());
    if (httpDebug != HttpDebug.DISABLED && httpDebugOut != null) {
      AnyStream logs = session.open(StreamIds.HTTP_DEBUG_LOGS);
      session.receiveLogs(logs, httpDebugOut);
      resolver.setLogsStream(logs.id());
    }
    if (credentials != null) {
      AnyStream stream = session.open(StreamIds.CREDENTIALS);
      session.answerCredentials(stream, credentials);
      resolver.setAuthStream(stream.id());
    }
    return AnyCodec.pack(
        OCIRegistry.newBuilder().setReference(reference).setResolver(resolver).build());
  }

  @Override
  public String toString() {
    return "OCI Registry (" + reference + ")";
  }
}
