package dev.transferd.streams.client;

/**
 * Registry credentials a {@link CredentialHelper} gives for one request, as containerd's {@code
 * transfer/registry.Credentials}: a username and secret (password), a secret alone (an identity or
 * refresh token), or a whole {@code Authorization} header value (which containerd's server
 * ignores). {@link #toString} never shows secrets.
 */
public record Credentials(String username, String secret, String header) {
  private static final Credentials ANONYMOUS = new Credentials("", "", "");

  public Credentials {
    username = username == null ? "" : username;
    secret = secret == null ? "" : secret;
    header = header == null ? "" : header;
  }

  /** No credentials: the server goes on anonymously. */
  public static Credentials anonymous() {
    return ANONYMOUS;
  }

  public static Credentials basic(String username, String password) {
    return new Credentials(username, password, "");
  }

  /** An identity (refresh) token, exchanged by the server for access tokens. */
  public static Credentials refreshToken(String token) {
    return new Credentials("", token, "");
  }

  /** A complete {@code Authorization} header value. */
  public static Credentials header(String value) {
    return new Credentials("", "", value);
  }

  @Override
  public String toString() {
    return "Credentials[username="
        + username
        + ", secret="
        + (secret.isEmpty() ? "" : "<redacted>")
        + ", header="
        + (header.isEmpty() ? "" : "<redacted>")
        + "]";
  }
}
