package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.bytestream.ByteStreamReceiver;
import dev.transferd.ttrpc.Status;

/**
 * An archive the client streams in ({@code ImageImportStream}). Decoding starts the receiver at
 * once, as containerd's {@code UnmarshalAny} does, so the client gets its first credit while the
 * operation is still being chosen.
 */
record ImportStreamEndpoint(String typeUrl, ImageImportStream spec, CountedArchiveInput archive)
    implements Endpoint {

  static ImportStreamEndpoint decode(Any any, TransferContext context) {
    ImageImportStream spec = EndpointDecoder.unpack(any, ImageImportStream.class);
    AnyStream stream = context.stream(spec.getStream());
    CountedArchiveInput archive =
        new CountedArchiveInput(ByteStreamReceiver.start(stream, context.settings().byteStreams()));
    context.attach(
        new TransferContext.SideStream() {
          @Override
          public void complete() {
            archive.close();
            context.countBytes(archive.count());
          }

          @Override
          public void abort(Status status) {
            stream.fail(status);
            context.countBytes(archive.count());
          }
        });
    return new ImportStreamEndpoint(any.getTypeUrl(), spec, archive);
  }
}
