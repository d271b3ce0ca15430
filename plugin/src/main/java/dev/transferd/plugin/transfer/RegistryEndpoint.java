package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.callback.CredentialRequester;
import dev.transferd.ttrpc.Status;
import java.util.Optional;

/**
 * An OCI registry reference ({@code OCIRegistry}). Decoding takes the credential stream and the
 * HTTP-debug log stream the resolver names, if any (spec §7.4: unknown ids are NOT_FOUND before any
 * work); both end with the call.
 */
record RegistryEndpoint(String typeUrl, OCIRegistry spec, Optional<CredentialRequester> credentials)
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
    String logs = spec.getResolver().getLogsStream();
    if (!logs.isEmpty()) {
      endWithCall(context, context.stream(logs));
    }
    return new RegistryEndpoint(any.getTypeUrl(), spec, Optional.ofNullable(credentials));
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

  @Override
  public String toString() {
    return "OCI Registry (" + spec.getReference() + ")";
  }
}
