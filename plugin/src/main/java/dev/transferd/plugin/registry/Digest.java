package dev.transferd.plugin.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex}: {@code sha256} (64 hex digits) or {@code sha512} (128),
 * lower case, as the OCI image spec registers them.
 */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SHA512 = Pattern.compile("[0-9a-f]{128}");

  /**
   * @throws IllegalArgumentException naming the digest when it is not a sha256 or sha512 digest
   */
  public static Digest parse(String digest) {
    int colon = digest == null ? -1 : digest.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("invalid digest \"" + digest + "\"");
    }
    String algorithm = digest.substring(0, colon);
    String hex = digest.substring(colon + 1);
    boolean ok =
        switch (algorithm) {
          case "sha256" -> SHA256.matcher(hex).matches();
          case "sha512" -> SHA512.matcher(hex).matches();
          default ->
              throw new IllegalArgumentException(
                  "unsupported digest algorithm in \"" + digest + "\"");
        };
    if (!ok) {
      throw new IllegalArgumentException("invalid digest \"" + digest + "\"");
    }
    return new Digest(algorithm, hex);
  }

  /** A fresh hasher for this digest's algorithm. */
  public MessageDigest newHasher() {
    return hasher(algorithm);
  }

  static MessageDigest hasher(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The sha256 digest of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    return "sha256:" + HexFormat.of().formatHex(hasher("sha256").digest(bytes));
  }

  /** The digest string of a finished hasher of {@code algorithm}. */
  static String format(String algorithm, MessageDigest hasher) {
    return algorithm + ":" + HexFormat.of().formatHex(hasher.digest());
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
