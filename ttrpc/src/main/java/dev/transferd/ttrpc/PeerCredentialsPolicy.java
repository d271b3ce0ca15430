package dev.transferd.ttrpc;

/**
 * Decides at accept time whether a connecting peer may talk to the server; a refused connection is
 * closed before any frame is read.
 */
@FunctionalInterface
public interface PeerCredentialsPolicy {
  boolean permits(PeerCredentials peer);

  /** Only the user (and group) the server runs as: the default. */
  static PeerCredentialsPolicy sameUser() {
    return require(ProcessIdentity.uid(), ProcessIdentity.gid());
  }

  /** Peers with this effective uid and gid; -1 matches any (Go's UnixSocketRequireUidGid). */
  static PeerCredentialsPolicy require(int uid, int gid) {
    return peer ->
        peer.isKnown() && (uid == -1 || peer.uid() == uid) && (gid == -1 || peer.gid() == gid);
  }

  /** Everyone who can open the socket file: rely on its mode alone. */
  static PeerCredentialsPolicy anyone() {
    return peer -> true;
  }
}
