package dev.transferd.plugin.web.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Who may use the web server: users of an htpasswd file (bcrypt entries only, {@code user:$2y$...},
 * as {@code htpasswd -B} writes them) over basic auth, and holders of a bearer token listed one per
 * line in a tokens file. Both files are read once, at start. With neither, everyone may (the server
 * then listens on loopback only, see {@code WebSettings}). Thread-safe.
 *
 * <p>bcrypt costs tens of milliseconds by design, and registry clients send the same basic
 * credentials on every request: a verified header is remembered (by its SHA-256, never in clear) in
 * a small bounded cache, so a pull checks the password once.
 */
public final class Authenticator {
  private static final int CACHE_SIZE = 64;

  private final Map<String, byte[]> users; // user -> bcrypt hash
  private final List<byte[]> tokens;
  private final Map<String, Boolean> verified =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > CACHE_SIZE;
            }
          });

  private Authenticator(Map<String, byte[]> users, List<byte[]> tokens) {
    this.users = users;
    this.tokens = tokens;
  }

  public static final Authenticator OPEN = new Authenticator(null, null);

  /**
   * Reads the files (either may be null).
   *
   * @throws IOException naming the file and line of an entry that is not bcrypt
   */
  public static Authenticator load(Path htpasswd, Path tokensFile) throws IOException {
    Map<String, byte[]> users = null;
    if (htpasswd != null) {
      users = new HashMap<>();
      List<String> lines = Files.readAllLines(htpasswd, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int colon = line.indexOf(':');
        String hash = colon < 0 ? "" : line.substring(colon + 1);
        if (colon <= 0 || !hash.matches("\\$2[aby]\\$\\d\\d\\$.{53}")) {
          throw new IOException(
              htpasswd
                  + ":"
                  + (i + 1)
                  + ": not a bcrypt entry (user:$2y$...); make it with htpasswd -B");
        }
        users.put(line.substring(0, colon), hash.getBytes(StandardCharsets.UTF_8));
      }
    }
    List<byte[]> tokens = null;
    if (tokensFile != null) {
      tokens = new ArrayList<>();
      for (String line : Files.readAllLines(tokensFile, StandardCharsets.UTF_8)) {
        String token = line.strip();
        if (!token.isEmpty() && !token.startsWith("#")) {
          tokens.add(token.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    return new Authenticator(users, tokens);
  }

  /** Whether requests must authenticate. */
  public boolean required() {
    return users != null || tokens != null;
  }

  /** The {@code WWW-Authenticate} challenge of a 401. */
  public String challenge() {
    return users != null ? "Basic realm=\"transferd\"" : "Bearer realm=\"transferd\"";
  }

  /** Whether the {@code Authorization} header (may be null) lets the request in. */
  public boolean admits(String authorization) {
    if (!required()) {
      return true;
    }
    if (authorization == null) {
      return false;
    }
    int space = authorization.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = authorization.substring(0, space);
    String value = authorization.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer") && tokens != null) {
      byte[] offered = value.getBytes(StandardCharsets.UTF_8);
      boolean match = false;
      for (byte[] token : tokens) {
        match |= MessageDigest.isEqual(token, offered);
      }
      return match;
    }
    if (scheme.equalsIgnoreCase("Basic") && users != null) {
      String key = sha256(authorization);
      if (verified.containsKey(key)) {
        return true;
      }
      if (basic(value)) {
        verified.put(key, Boolean.TRUE);
        return true;
      }
    }
    return false;
  }

  private boolean basic(String encoded) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    byte[] hash = users.get(decoded.substring(0, colon));
    if (hash == null) {
      return false;
    }
    byte[] password = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
    try {
      // Bouncy Castle's bcrypt (already here for PEM keys) takes htpasswd's $2y$, $2b$ and $2a$.
      return OpenBSDBCrypt.checkPassword(new String(hash, StandardCharsets.US_ASCII), password);
    } catch (IllegalArgumentException e) {
      return false; // not a bcrypt hash: the htpasswd loader names such lines
    }
  }

  private static String sha256(String s) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
