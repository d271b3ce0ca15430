package dev.transferd.plugin.grpc;

import dev.transferd.ttrpc.Status;

/**
 * ttrpc statuses as gRPC statuses: both carry google.rpc codes, so the number and the message pass
 * unchanged (containerd's {@code errdefs.FromGRPC} reads the code, e.g. NOT_FOUND for a missing
 * blob).
 */
final class GrpcStatuses {
  private GrpcStatuses() {}

  static io.grpc.Status toGrpc(Status status) {
    io.grpc.Status s = io.grpc.Status.fromCodeValue(status.code().value());
    return status.message().isEmpty() ? s : s.withDescription(status.message());
  }
}
