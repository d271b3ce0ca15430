package dev.transferd.plugin.transfer;

import com.google.protobuf.Any;
import dev.transferd.proto.transferd.transfer.UnpackDirectory;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.nio.file.Path;

/**
 * A directory on the daemon's machine to unpack an image into ({@code
 * dev.transferd.transfer.v1.UnpackDirectory}, transferd's own type); no side streams.
 */
record UnpackDirectoryEndpoint(String typeUrl, UnpackDirectory spec, Path path)
    implements Endpoint {

  /**
   * @throws TtrpcException INVALID_ARGUMENT when the path is not absolute
   */
  static UnpackDirectoryEndpoint decode(Any any, TransferContext context) {
    UnpackDirectory spec = EndpointDecoder.unpack(any, UnpackDirectory.class);
    return new UnpackDirectoryEndpoint(any.getTypeUrl(), spec, absolute(spec.getPath(), "unpack"));
  }

  static Path absolute(String path, String verb) {
    if (path.isEmpty() || path.indexOf('\0') >= 0 || !path.startsWith("/")) {
      throw new TtrpcException(
          StatusCode.INVALID_ARGUMENT,
          verb
              + ": the directory must be an absolute path on the daemon's machine, not \""
              + path.replace("\0", "\\0")
              + "\"");
    }
    return Path.of(path).normalize();
  }
}
