package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --web-address}: what the daemon says and does with an unsafe or malformed address. */
class WebAddressFlagTest {
  @TempDir Path dir;

  private String run(String... args) {
    StringWriter err = new StringWriter();
    int code = Transferd.run(new PrintWriter(err, true), args);
    assertEquals(1, code, err.toString());
    return err.toString();
  }

  @Test
  void beyondLoopbackWithoutTlsAndAuthIsOneLineAndExit1() {
    assertEquals(
        "transferd: invalid configuration: [web] address 0.0.0.0:8080 listens beyond loopback:"
            + " set tls_cert and tls_key, and htpasswd or tokens_file, or listen on 127.0.0.1\n",
        run(
            "--root", dir.resolve("root").toString(),
            "--address", dir.resolve("t.sock").toString(),
            "--web-address", "0.0.0.0:8080"));
  }

  @Test
  void anAddressWithoutPortIsRefused() {
    assertEquals(
        "transferd: invalid configuration: web address must be host:port such as"
            + " \"127.0.0.1:8080\", not \"localhost\"\n",
        run(
            "--root", dir.resolve("root").toString(),
            "--address", dir.resolve("t.sock").toString(),
            "--web-address", "localhost"));
  }
}
