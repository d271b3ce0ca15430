package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.transferd.transfer.RepackDirectory;
import dev.transferd.proto.transferd.transfer.UnpackDirectory;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.util.Map;

/**
 * Turns a request's source or destination {@code Any} into an {@link Endpoint}, by type name.
 * Decoding takes the side streams the endpoint names, so an unknown stream id fails the call with
 * NOT_FOUND before any work starts. Bare and prefixed type URLs are both accepted; types without a
 * decoder become {@link UnknownEndpoint}s.
 */
final class EndpointDecoder {
  @FunctionalInterface
  private interface Decoder {
    Endpoint decode(Any any, TransferContext context);
  }

  private static final Map<String, Decoder> DECODERS =
      Map.of(
          name(OCIRegistry.class), RegistryEndpoint::decode,
          name(ImageStore.class),
              (any, context) ->
                  new ImageStoreEndpoint(any.getTypeUrl(), unpack(any, ImageStore.class)),
          name(ImageImportStream.class), ImportStreamEndpoint::decode,
          name(ImageExportStream.class), ExportStreamEndpoint::decode,
          name(UnpackDirectory.class), UnpackDirectoryEndpoint::decode,
          name(RepackDirectory.class), RepackDirectoryEndpoint::decode);

  private EndpointDecoder() {}

  static Endpoint decode(Any any, TransferContext context) {
    Decoder decoder = DECODERS.get(AnyCodec.typeName(any));
    return decoder == null ? new UnknownEndpoint(any.getTypeUrl()) : decoder.decode(any, context);
  }

  /**
   * @throws TtrpcException INVALID_ARGUMENT if the value is not a valid {@code type}
   */
  static <T extends Message> T unpack(Any any, Class<T> type) {
    try {
      return AnyCodec.unpack(any, type);
    } catch (IllegalArgumentException e) {
      throw new TtrpcException(StatusCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private static String name(Class<? extends Message> type) {
    return com.google.protobuf.Internal.getDefaultInstance(type)
        .getDescriptorForType()
        .getFullName();
  }
}
