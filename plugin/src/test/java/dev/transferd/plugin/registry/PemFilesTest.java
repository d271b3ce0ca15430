package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.testing.RealPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client keys as openssl writes them in each encoding containerd accepts are read as the same key
 * openssl itself converts to PKCS#8.
 */
class PemFilesTest {
  @TempDir Path dir;

  @BeforeEach
  void needsOpenssl() {
    RealPeers.requireExecutable("/usr/bin/openssl", "openssl");
  }

  @Test
  void pkcs1RsaKeysAreRead() throws Exception {
    TestCerts.openssl(dir, "genrsa", "-traditional", "-out", "rsa.key", "2048");
    assertTrue(Files.readString(dir.resolve("rsa.key")).contains("BEGIN RSA PRIVATE KEY"));
    assertSameKeyAsOpenssl("rsa.key", "RSA");
  }

  @Test
  void sec1EcKeysAreReadWithTheirParametersBlockBeforeThem() throws Exception {
    TestCerts.openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
    String pem = Files.readString(dir.resolve("ec.key"));
    assertTrue(pem.contains("BEGIN EC PARAMETERS") && pem.contains("BEGIN EC PRIVATE KEY"), pem);
    assertSameKeyAsOpenssl("ec.key", "EC");
  }

  @Test
  void pkcs8KeysAreRead() throws Exception {
    TestCerts.openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
    assertSameKeyAsOpenssl("ed.key", "EdDSA");
    TestCerts.openssl(
        dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "p8.key");
    assertSameKeyAsOpenssl("p8.key", "EC");
  }

  @Test
  void anEncryptedKeyIsRefusedNamingTheFile() throws Exception {
    TestCerts.openssl(
        dir, "genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:x", "-out", "enc.key");
    GeneralSecurityException e =
        assertThrows(
            GeneralSecurityException.class, () -> PemFiles.privateKey(dir.resolve("enc.key")));
    assertEquals(
        "the private key in " + dir.resolve("enc.key") + " is encrypted; give it unencrypted",
        e.getMessage());
  }

  @Test
  void aFileWithoutAKeyIsRefusedSayingWhatWasExpected() throws Exception {
    TestCerts.selfSigned(dir, "only", "example");
    Path cert = dir.resolve("only.crt");
    GeneralSecurityException e =
        assertThrows(GeneralSecurityException.class, () -> PemFiles.privateKey(cert));
    assertEquals(
        "no private key in "
            + cert
            + " (expected PEM: BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)",
        e.getMessage());
  }

  private void assertSameKeyAsOpenssl(String file, String algorithm) throws Exception {
    TestCerts.openssl(
        dir, "pkcs8", "-topk8", "-nocrypt", "-in", file, "-outform", "DER", "-out", file + ".der");
    PrivateKey key = PemFiles.privateKey(dir.resolve(file));
    assertEquals(algorithm, key.getAlgorithm());
    byte[] der = Files.readAllBytes(dir.resolve(file + ".der"));
    if (key instanceof ECPrivateKey ec) {
      // The JDK's EC encoding may omit the public point openssl writes: compare the key itself.
      ECPrivateKey expected =
          (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      assertEquals(expected.getS(), ec.getS());
      assertEquals(expected.getParams().getCurve(), ec.getParams().getCurve());
    } else {
      assertArrayEquals(der, key.getEncoded());
    }
  }
}
