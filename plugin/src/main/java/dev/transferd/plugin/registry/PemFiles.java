package dev.transferd.plugin.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and keys from PEM files, as {@code openssl req -newkey} writes them: certificate
 * chains, and unencrypted PKCS#8 keys ({@code BEGIN PRIVATE KEY}), EC, RSA or Ed25519. Shared by
 * the registry client's TLS settings and the web server's.
 */
public final class PemFiles {
  private static final Pattern PEM_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemFiles() {}

  /**
   * @throws GeneralSecurityException naming the file when it cannot be read or holds none
   */
  public static Collection<? extends Certificate> certificates(Path file)
      throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new GeneralSecurityException("no certificate in " + file);
      }
      return certs;
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot read certificate file " + file + ": " + e, e);
    }
  }

  /**
   * @throws GeneralSecurityException naming the file when it cannot be read or holds no usable key
   */
  public static PrivateKey privateKey(Path file) throws GeneralSecurityException {
    String pem;
    try {
      pem = Files.readString(file);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot read key file " + file + ": " + e, e);
    }
    Matcher m = PEM_KEY.matcher(pem);
    if (!m.find()) {
      throw new GeneralSecurityException("no PKCS#8 private key (BEGIN PRIVATE KEY) in " + file);
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm; try the next
      }
    }
    throw new GeneralSecurityException("unsupported private key in " + file);
  }
}
