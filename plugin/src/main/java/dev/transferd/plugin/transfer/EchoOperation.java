package dev.transferd.plugin.transfer;

import dev.transferd.streams.bytestream.ByteStreamSender;
import java.io.IOException;

/**
 * Import stream to export stream: a byte copy, then the export stream is closed before the response
 * (docs/protocol/transfer.md §8.6). containerd keeps it as a test helper; so do we, and it is the
 * byte-stream benchmark. No progress events, as in containerd.
 */
final class EchoOperation implements TransferOperation<ImportStreamEndpoint, ExportStreamEndpoint> {
  @Override
  public void run(
      TransferContext context, ImportStreamEndpoint source, ExportStreamEndpoint destination)
      throws IOException {
    CountedArchiveInput in = source.archive();
    ByteStreamSender out = destination.archive();
    try {
      in.transferTo(out); // chunk by chunk, each sent on without an intermediate copy
      out.close();
    } catch (IOException e) {
      throw TransferErrors.statusOf(
              "echo from import stream " + in.streamId() + " to export stream " + out.streamId(), e)
          .asException(e);
    }
  }
}
