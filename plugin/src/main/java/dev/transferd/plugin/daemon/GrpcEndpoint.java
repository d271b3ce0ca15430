package dev.transferd.plugin.daemon;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code [grpc]} table: the unix socket on which containerd reaches transferd as its content
 * proxy plugin ({@code [proxy_plugins.<name>] address}).
 *
 * @param address the socket path
 * @param uid owner given to the socket file, -1 to leave it
 * @param gid group given to the socket file, -1 to leave it
 * @param mode the socket file's permissions ({@code rw-------} by default: gRPC sees no peer
 *     credentials, so the file's mode and owner alone decide who may connect; containerd runs as
 *     root and passes)
 */
public record GrpcEndpoint(Path address, int uid, int gid, String mode) {
  public static final String DEFAULT_MODE = "rw-------";

  public GrpcEndpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(mode, "mode");
  }
}
