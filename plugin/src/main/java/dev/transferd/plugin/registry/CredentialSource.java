package dev.transferd.plugin.registry;

import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.streams.callback.CredentialRequester;
import dev.transferd.streams.callback.RegistryCredentials;

/**
 * Where the registry client gets credentials when a registry challenges it: the client's credential
 * stream, the server's docker {@code config.json}, or both in turn. Implementations may block; they
 * are called at most once per host and transfer unless a token is rejected.
 */
@FunctionalInterface
public interface CredentialSource {
  RegistryCredentials ANONYMOUS = new RegistryCredentials(AuthType.NONE, "", "");

  /**
   * Credentials for {@code host}, the endpoint that challenged us, while transferring {@code
   * reference}; {@link #ANONYMOUS} when there are none.
   */
  RegistryCredentials credentials(String host, String reference) throws InterruptedException;

  static CredentialSource anonymous() {
    return (host, reference) -> ANONYMOUS;
  }

  /** The client's answers on its credential stream (docs/protocol/transfer.md §7.1). */
  static CredentialSource of(CredentialRequester requester) {
    return requester::request;
  }

  /** This source's answer, or {@code fallback}'s when this one has none. */
  default CredentialSource orElse(CredentialSource fallback) {
    return (host, reference) -> {
      RegistryCredentials c = credentials(host, reference);
      return usable(c) ? c : fallback.credentials(host, reference);
    };
  }

  /**
   * Whether {@code c} carries something to authenticate with (HEADER counts, unlike containerd).
   */
  static boolean usable(RegistryCredentials c) {
    return c != null && !c.isAnonymous();
  }
}
