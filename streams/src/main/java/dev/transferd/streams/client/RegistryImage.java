package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.proto.types.transfer.RegistryResolver;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamIds;
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
 */
public record RegistryImage(
    String reference,
    Map<String, String> headers,
    String hostDir,
    String defaultScheme,
    CredentialHelper credentials)
    implements TransferSource, TransferDestination {

  public RegistryImage {
    Objects.requireNonNull(reference, "reference");
    if (reference.isEmpty()) {
      throw new IllegalArgumentException("a registry image needs a reference");
    }
    headers = Map.copyOf(headers);
    hostDir = hostDir == null ? "" : hostDir;
    defaultScheme = defaultScheme == null ? "" : defaultScheme;
  }

  /** {@code reference}, anonymously, with the server's defaults. */
  public static RegistryImage of(String reference) {
    return new RegistryImage(reference, Map.of(), "", "", null);
  }

  public RegistryImage withCredentials(CredentialHelper helper) {
    return new RegistryImage(reference, headers, hostDir, defaultScheme, helper);
  }

  public RegistryImage withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RegistryImage(reference, more, hostDir, defaultScheme, credentials);
  }

  public RegistryImage withHostDir(String directory) {
    return new RegistryImage(reference, headers, directory, defaultScheme, credentials);
  }

  /** {@code "http"} for a plain-HTTP registry, like {@code ctr --plain-http}. */
  public RegistryImage withDefaultScheme(String scheme) {
    return new RegistryImage(reference, headers, hostDir, scheme, credentials);
  }

  /** Opens the credential stream if there is a helper, and encodes the endpoint. */
  Any marshal(TransferSession session) throws InterruptedException {
    RegistryResolver.Builder resolver =
        RegistryResolver.newBuilder()
            .putAllHeaders(headers)
            .setHostDir(hostDir)
            .setDefaultScheme(defaultScheme);
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
