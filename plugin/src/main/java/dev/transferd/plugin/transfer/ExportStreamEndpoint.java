package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.bytestream.ByteStreamSender;
import dev.transferd.ttrpc.Status;
import java.io.IOException;

/**
 * An archive streamed back to the client ({@code ImageExportStream}). Credit the client granted
 * before the call (its receiver starts when it opens the stream) is already waiting. The stream is
 * flushed and closed before the Transfer response goes out, so the client has every byte and the
 * end first (docs/protocol/transfer.md §5.6: containerd's export never closes it; its echo does).
 */
record ExportStreamEndpoint(String typeUrl, ImageExportStream spec, ByteStreamSender archive)
    implements Endpoint {

  static ExportStreamEndpoint decode(Any any, TransferContext context) {
    ImageExportStream spec = EndpointDecoder.unpack(any, ImageExportStream.class);
    AnyStream stream = context.stream(spec.getStream());
    ByteStreamSender sender = ByteStreamSender.start(stream, context.settings().byteStreams());
    context.attach(
        new TransferContext.SideStream() {
          @Override
          public void complete() throws IOException {
            try {
              sender.close();
            } finally {
              context.countBytes(sender.bytesSent());
            }
          }

          @Override
          public void abort(Status status) {
            stream.fail(status);
            context.countBytes(sender.bytesSent());
          }
        });
    return new ExportStreamEndpoint(any.getTypeUrl(), spec, sender);
  }
}
