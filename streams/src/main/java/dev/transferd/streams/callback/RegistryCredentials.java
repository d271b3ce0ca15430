package dev.transferd.streams.callback;

import dev.transferd.proto.types.transfer.AuthType;
import java.util.Objects;

/**
 * What a client answered to one credential request (docs/protocol/transfer.md §7.2): the kind of
 * secret and the secret. containerd's server reads {@code CREDENTIALS} as username and password,
 * {@code REFRESH} as an identity token (an empty one meaning anonymous), and ignores {@code HEADER}
 * and {@code NONE}. {@link #toString} never shows the secret.
 */
public record RegistryCredentials(AuthType type, String username, String secret) {
  public RegistryCredentials {
    Objects.requireNonNull(type, "type");
    username = username == null ? "" : username;
    secret = secret == null ? "" : secret;
  }

  /** Whether the client gave nothing usable: anonymous access. */
  public boolean isAnonymous() {
    return secret.isEmpty() || type == AuthType.NONE || type == AuthType.UNRECOGNIZED;
  }

  @Override
  public String toString() {
    return "RegistryCredentials[type="
        + type
        + ", username="
        + username
        + ", secret="
        + (secret.isEmpty() ? "" : "<redacted>")
        + "]";
  }
}
