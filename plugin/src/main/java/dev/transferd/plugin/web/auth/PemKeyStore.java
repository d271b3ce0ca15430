package dev.transferd.plugin.web.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web server's TLS identity from PEM files, as {@code openssl req -newkey} writes them: a
 * certificate chain and an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC.
 */
public final class PemKeyStore {
  /** The password of the in-memory key store; it never leaves the process. */
  public static final String PASSWORD = "transferd";

  private static final Pattern KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemKeyStore() {}

  /**
   * @throws IOException naming the file that could not be used, and why
   */
  public static KeyStore load(Path certFile, Path keyFile) throws IOException {
    Certificate[] chain;
    try (InputStream in = Files.newInputStream(certFile)) {
      chain =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(in)
              .toArray(Certificate[]::new);
    } catch (GeneralSecurityException e) {
      throw new IOException("tls_cert " + certFile + ": not a PEM certificate: " + e.getMessage());
    }
    if (chain.length == 0) {
      throw new IOException("tls_cert " + certFile + ": no certificate in it");
    }
    Matcher m = KEY.matcher(Files.readString(keyFile));
    if (!m.find()) {
      throw new IOException(
          "tls_key " + keyFile + ": no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    PrivateKey key = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    if (key == null) {
      throw new IOException("tls_key " + keyFile + ": not an RSA, EC or Ed25519 key");
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("transferd", key, PASSWORD.toCharArray(), chain);
      return store;
    } catch (GeneralSecurityException e) {
      throw new IOException("tls_cert/tls_key: " + e.getMessage(), e);
    }
  }
}
