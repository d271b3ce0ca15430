package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.proto.transferd.transfer.RepackDirectory;
import java.nio.file.Path;

/**
 * A directory on the daemon's machine to repack on top of a stored base image ({@code
 * dev.transferd.transfer.v1.RepackDirectory}, transferd's own type); no side streams.
 */
record RepackDirectoryEndpoint(String typeUrl, RepackDirectory spec, Path path)
    implements Endpoint {

  /**
   * @throws dev.transferd.ttrpc.TtrpcException INVALID_ARGUMENT when the path is not absolute
   */
  static RepackDirectoryEndpoint decode(Any any, TransferContext context) {
    RepackDirectory spec = EndpointDecoder.unpack(any, RepackDirectory.class);
    return new RepackDirectoryEndpoint(
        any.getTypeUrl(), spec, UnpackDirectoryEndpoint.absolute(spec.getPath(), "repack"));
  }
}
