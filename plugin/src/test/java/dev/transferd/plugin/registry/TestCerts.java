package dev.transferd.plugin.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test keys and certificates made by the real {@code openssl}: a CA and certificates it signs. */
public final class TestCerts {
  private TestCerts() {}

  static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("openssl"), List.of(args).stream())
                    .toList())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  /** A self-signed P-256 certificate {@code <name>.crt} with key {@code <name>.key} (PKCS#8). */
  public static void selfSigned(Path dir, String name, String cn) throws Exception {
    Files.createDirectories(dir);
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-subj",
        "/CN=" + cn);
  }

  /** {@code <name>.crt}/{@code .key} for 127.0.0.1, signed by {@code ca.crt}/{@code ca.key}. */
  static void serverFor127(Path dir, String name) throws Exception {
    signedByCa(dir, name, "127.0.0.1", "subjectAltName=IP:127.0.0.1\n");
  }

  /**
   * A client certificate {@code <name>.crt}/{@code .key} (PKCS#8) for {@code cn}, signed by {@code
   * ca.crt}/{@code ca.key}, usable for TLS client authentication.
   */
  static void clientSignedByCa(Path dir, String name, String cn) throws Exception {
    signedByCa(dir, name, cn, "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  }

  /**
   * A P-256 key and a 2-day certificate for {@code cn} with {@code extensions}, signed by ca.crt.
   */
  private static void signedByCa(Path dir, String name, String cn, String extensions)
      throws Exception {
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        "/CN=" + cn);
    Files.writeString(dir.resolve(name + ".ext"), extensions);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-extfile",
        name + ".ext");
  }
}
