package dev.transferd.streams;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

/**
 * Stream ids the way containerd's clients make them ({@code GenerateID}): {@code
 * <prefix>-<nanoseconds within the current second>-<base64url of 3 random bytes>}, e.g. {@code
 * progress-483920117-Zk3a}. Servers treat ids as opaque; the random part keeps concurrent transfers
 * apart.
 */
public final class StreamIds {
  public static final String PROGRESS = "progress";
  public static final String CREDENTIALS = "creds";
  public static final String IMPORT = "import";
  public static final String EXPORT = "export";
  public static final String HTTP_DEBUG_LOGS = "http-debug-logs";

  private static final SecureRandom RANDOM = new SecureRandom();

  private StreamIds() {}

  /** A fresh id with the given prefix. */
  public static String generate(String prefix) {
    byte[] random = new byte[3];
    RANDOM.nextBytes(random);
    return prefix
        + "-"
        + Instant.now().getNano()
        + "-"
        + Base64.getUrlEncoder().encodeToString(random);
  }
}
