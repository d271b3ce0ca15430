package dev.transferd.plugin.web.console;

import dev.transferd.plugin.web.http.Exchange;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * CSRF protection for every state-changing console request: it must carry {@value #HEADER} with the
 * token the page fetched from {@code /api/session}, and must not come from another site. The token
 * is an HMAC of the request's credentials under a key made at start, so it is per user and dies
 * with the daemon. A custom header cannot be sent cross-site without a CORS preflight, which this
 * server never grants, and the token cannot be read cross-site; the {@code Sec-Fetch-Site} check
 * refuses what browsers label cross-site even so. Thread-safe.
 */
final class CsrfGuard {
  static final String HEADER = "X-CSRF-Token";
  private final byte[] key = new byte[32];

  CsrfGuard() {
    new SecureRandom().nextBytes(key);
  }

  /** The token for the request's credentials. */
  String token(Exchange ex) {
    String credentials = ex.header("Authorization");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] tag =
          mac.doFinal((credentials == null ? "" : credentials).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Why the request must be refused, or null when it may change state. */
  String refusal(Exchange ex) {
    String site = ex.header("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return "cross-site request refused";
    }
    String offered = ex.header(HEADER);
    if (offered == null
        || !MessageDigest.isEqual(
            offered.getBytes(StandardCharsets.UTF_8), token(ex).getBytes(StandardCharsets.UTF_8))) {
      return "missing or wrong " + HEADER + " header: reload the page";
    }
    return null;
  }
}
