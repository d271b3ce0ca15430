package dev.transferd.plugin.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Certificates and keys from PEM files, shared by the registry client's TLS settings and the web
 * server's. Keys are read in the encodings Go's {@code tls.X509KeyPair} (and so containerd)
 * accepts: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}, with or without the {@code BEGIN EC PARAMETERS} block openssl
 * writes before it), by Bouncy Castle's PEM reader; the key is made by the JDK's own providers.
 * Encrypted keys are refused, as containerd refuses them.
 */
public final class PemFiles {
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
   * The first private key in {@code file}.
   *
   * @throws GeneralSecurityException naming the file and what was wrong with it
   */
  public static PrivateKey privateKey(Path file) throws GeneralSecurityException {
    try (Reader reader = Files.newBufferedReader(file);
        PEMParser pem = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object block = pem.readObject(); block != null; block = pem.readObject()) {
        if (block instanceof PrivateKeyInfo pkcs8) {
          return converter.getPrivateKey(pkcs8);
        }
        if (block instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new GeneralSecurityException(
              "the private key in " + file + " is encrypted; give it unencrypted");
        }
      }
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
    throw new GeneralSecurityException(
        "no private key in "
            + file
            + " (expected PEM: BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
  }
}
