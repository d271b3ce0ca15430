package dev.transferd.plugin.web.auth;

import dev.transferd.plugin.registry.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;

/**
 * The web server's TLS identity from PEM files ({@code tls_cert}: the chain, {@code tls_key}: an
 * unencrypted PKCS#8 key), as an in-memory key store for Jetty.
 */
public final class PemKeyStore {
  /** The password of the in-memory key store; it never leaves the process. */
  public static final String PASSWORD = "transferd";

  private PemKeyStore() {}

  /**
   * @throws IOException naming the setting and file that could not be used, and why
   */
  public static KeyStore load(Path certFile, Path keyFile) throws IOException {
    Certificate[] chain;
    try {
      chain = PemFiles.certificates(certFile).toArray(Certificate[]::new);
    } catch (GeneralSecurityException e) {
      throw new IOException("[web] tls_cert: " + e.getMessage(), e);
    }
    PrivateKey key;
    try {
      key = PemFiles.privateKey(keyFile);
    } catch (GeneralSecurityException e) {
      throw new IOException("[web] tls_key: " + e.getMessage(), e);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("transferd", key, PASSWORD.toCharArray(), chain);
      return store;
    } catch (GeneralSecurityException e) {
      throw new IOException("[web] tls_cert/tls_key: " + e.getMessage(), e);
    }
  }
}
