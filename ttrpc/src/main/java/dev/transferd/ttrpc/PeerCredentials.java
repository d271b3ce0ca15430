package dev.transferd.ttrpc;

/**
 * A unix-socket peer's identity as the kernel recorded it at {@code connect(2)} ({@code
 * SO_PEERCRED}): effective uid and gid. {@code pid} is -1 where the transport cannot tell.
 */
public record PeerCredentials(int pid, int uid, int gid) {
  /** The credentials of a peer the transport could not identify. */
  public static final PeerCredentials UNKNOWN = new PeerCredentials(-1, -1, -1);

  public boolean isKnown() {
    return uid >= 0;
  }
}
