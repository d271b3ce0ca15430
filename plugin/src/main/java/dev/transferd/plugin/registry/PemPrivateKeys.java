package dev.transferd.plugin.registry;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the private key of a client certificate pair from a PEM file in the encodings Go's {@code
 * tls.X509KeyPair} (and so containerd) accepts: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code
 * BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}, with or without the {@code BEGIN
 * EC PARAMETERS} block openssl writes before it). Parsing is Bouncy Castle's PEM reader; the key is
 * made by the JDK's own providers. Encrypted keys are refused, as containerd refuses them.
 */
final class PemPrivateKeys {
  private PemPrivateKeys() {}

  /**
   * The first private key in {@code file}.
   *
   * @throws GeneralSecurityException naming the file and what was wrong with it
   */
  static PrivateKey read(Path file) throws GeneralSecurityException {
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
