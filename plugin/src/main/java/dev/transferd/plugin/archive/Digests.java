package dev.transferd.plugin.archive;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** sha256 digests as {@code sha256:<64 lowercase hex>}, the only algorithm archives may use. */
public final class Digests {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private Digests() {}

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  public static String of(MessageDigest digest) {
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  public static String of(byte[] bytes) {
    MessageDigest d = sha256();
    d.update(bytes);
    return of(d);
  }

  public static boolean isValid(String digest) {
    return digest != null && SHA256.matcher(digest).matches();
  }

  /** The 64 hex characters of a valid digest. */
  public static String hex(String digest) {
    return digest.substring("sha256:".length());
  }
}
