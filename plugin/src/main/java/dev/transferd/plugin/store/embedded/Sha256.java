package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.StoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one digest algorithm the store holds: {@code sha256:<64 lowercase hex>}. */
final class Sha256 {
  static final String PREFIX = "sha256:";
  private static final int HEX_LENGTH = 64;

  private Sha256() {}

  /** The hex part of a valid digest; INVALID_ARGUMENT naming the digest otherwise. */
  static String hexOf(String digest) {
    if (digest == null || !digest.startsWith(PREFIX)) {
      throw StoreException.invalidArgument(
          "invalid digest " + quote(digest) + ": only sha256:<64 lowercase hex> is supported");
    }
    String hex = digest.substring(PREFIX.length());
    if (!isHex(hex)) {
      throw StoreException.invalidArgument(
          "invalid digest " + quote(digest) + ": expected 64 lowercase hex characters");
    }
    return hex;
  }

  static boolean isValid(String digest) {
    return digest != null && digest.startsWith(PREFIX) && isHex(digest.substring(PREFIX.length()));
  }

  static boolean isHex(String hex) {
    if (hex.length() != HEX_LENGTH) {
      return false;
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  static String format(byte[] sum) {
    return PREFIX + HexFormat.of().formatHex(sum);
  }

  private static String quote(String s) {
    return s == null ? "(none)" : '"' + s + '"';
  }
}
