package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.plugin.registry.CredentialSource;
import dev.transferd.plugin.registry.DockerConfigCredentials;
import dev.transferd.plugin.registry.HttpDebugLog;
import dev.transferd.plugin.registry.ImageRef;
import dev.transferd.plugin.registry.RegistryClient;
import dev.transferd.plugin.registry.RegistryOptions;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.proto.types.transfer.RegistryResolver;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.bytestream.ByteStreamSender;
import dev.transferd.streams.callback.CredentialRequester;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.util.Optional;

/**
 * An OCI registry reference ({@code OCIRegistry}). Decoding takes the credential stream and the
 * HTTP-debug log stream the resolver names, if any (docs/protocol/transfer.md §7.4: unknown ids are
 * NOT_FOUND before any work); both end with the call. The server is the sender of the log stream
 * (docs/protocol/transfer.md §5.4): the debug output named by {@code http_debug} goes there, and
 * the stream is closed before the Transfer response, as an export's is, and also after a failure
 * (cleanly: the output matters most then); without a stream it goes to the daemon's log at debug
 * level.
 */
record RegistryEndpoint(
    String typeUrl, OCIRegistry spec, Optional<CredentialRequester> credentials, HttpDebugLog debug)
    implements Endpoint {

  static RegistryEndpoint decode(Any any, TransferContext context) {
    OCIRegistry spec = EndpointDecoder.unpack(any, OCIRegistry.class);
    CredentialRequester credentials = null;
    String auth = spec.getResolver().getAuthStream();
    if (!auth.isEmpty()) {
      AnyStream stream = context.stream(auth);
      endWithCall(context, stream);
      credentials = new CredentialRequester(stream, context.settings().credentialTimeout());
    }
    HttpDebugLog.Level level =
        switch (spec.getResolver().getHttpDebug()) {
          case DEBUG -> HttpDebugLog.Level.DEBUG;
          case TRACE -> HttpDebugLog.Level.TRACE;
          case BOTH -> HttpDebugLog.Level.BOTH;
          default -> HttpDebugLog.Level.DISABLED;
        };
    String logs = spec.getResolver().getLogsStream();
    HttpDebugLog debug;
    if (!logs.isEmpty()) {
      AnyStream stream = context.stream(logs);
      HttpDebugLog toStream =
          HttpDebugLog.to(level, ByteStreamSender.start(stream, context.settings().byteStreams()));
      context.attach(
          new TransferContext.SideStream() {
            @Override
            public void complete() throws IOException {
              toStream.close();
            }

            @Override
            public void abort(Status status) {
              // Ended cleanly, after saying why: the output matters most when a transfer fails.
              toStream.trace("transfer failed: " + status.code() + ": " + status.message());
              try {
                toStream.close();
              } catch (IOException | RuntimeException e) {
                stream.fail(status);
              }
            }
          });
      debug = toStream;
    } else {
      debug = HttpDebugLog.toLog(level);
    }
    return new RegistryEndpoint(any.getTypeUrl(), spec, Optional.ofNullable(credentials), debug);
  }

  private static void endWithCall(TransferContext context, AnyStream stream) {
    context.attach(
        new TransferContext.SideStream() {
          @Override
          public void complete() {
            stream.close();
          }

          @Override
          public void abort(Status status) {
            stream.fail(status);
          }
        });
  }

  /**
   * A registry client for this reference with the request's resolver settings: {@code host_dir}
   * (else the daemon's {@code config_path}), {@code default_scheme}, {@code headers}, and
   * credentials from the client's stream, then from the server's docker config.
   *
   * @throws dev.transferd.ttrpc.TtrpcException INVALID_ARGUMENT for a malformed reference
   */
  RegistryClient client(TransferSettings settings) {
    return RegistryClient.open(reference(), options(settings));
  }

  RegistryOptions options(TransferSettings settings) {
    RegistryResolver r = spec.getResolver();
    CredentialSource fromClient =
        credentials.map(CredentialSource::of).orElse(CredentialSource.anonymous());
    return RegistryOptions.DEFAULTS
        .withHostDir(r.getHostDir().isEmpty() ? settings.configPath() : r.getHostDir())
        .withDefaultScheme(r.getDefaultScheme())
        .withHeaders(r.getHeadersMap())
        .withUploadChunkSize(settings.pushChunkSize())
        .withDebug(debug)
        .withCredentials(fromClient.orElse(DockerConfigCredentials.fromEnvironment()));
  }

  ImageRef reference() {
    try {
      return ImageRef.parse(spec.getReference());
    } catch (IllegalArgumentException e) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "OCI Registry (" + spec.getReference() + ")";
  }
}
