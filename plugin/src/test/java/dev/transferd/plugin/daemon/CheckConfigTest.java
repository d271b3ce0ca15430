package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code transferd --check-config}: the effective settings as TOML on stdout, or the error. */
class CheckConfigTest {
  /** Fixed default locations, so that both sides resolve alike. */
  private static final DefaultLocations DEFAULTS =
      new DefaultLocations(Path.of("/var/lib/transferd"), Path.of("/run/transferd/t.sock"));

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Transferd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path write(String text) throws Exception {
    Path file = dir.resolve("transferd.toml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void theOutputIsAConfigurationThatResolvesToTheSameSettings() throws Exception {
    Path file =
        write(
            """
            version = 2
            root = "/srv/transferd"
            [ttrpc]
            address = "/run/t \\"quoted\\"/t.sock"
            gid = 1000
            mode = "0660"
            [metrics]
            address = "[::1]:9310"
            [grpc]
            address = "/run/transferd/containerd-content.sock"
            gid = 0
            mode = "0660"
            [web]
            address = "127.0.0.1:8080"
            namespace = "k8s.io"
            max_upload_size = 1048576
            [plugins."dev.transferd.v1.transfer"]
            content_sharing_policy = "isolated"
            ingest_grace = "2m"
            shutdown_grace = "1m30s"
            credential_timeout = "250ms"
            config_path = "/etc/containerd/certs.d"
            push_chunk_size = 1048576
            """);
    Run r = run("--config", file.toString(), "--log-level", "debug", "--check-config");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().startsWith("version = 2\nroot = \"/srv/transferd\"\n"), r.out());
    assertTrue(r.out().contains("\n[debug]\nlevel = \"debug\"\n"), r.out());
    assertTrue(r.out().contains("\nshutdown_grace = \"1m30s\"\n"), r.out());
    assertTrue(
        r.out().contains("\n[grpc]\naddress = \"/run/transferd/containerd-content.sock\"\n"),
        r.out());
    assertTrue(r.out().contains("\ncontent_sharing_policy = \"isolated\"\n"), r.out());
    assertTrue(r.out().contains("\ningest_grace = \"2m\"\n"), r.out());
    assertTrue(r.out().contains("\n[web]\naddress = \"127.0.0.1:8080\"\n"), r.out());

    DaemonConfig.Builder original = new DaemonConfig.Builder();
    ConfigFile.readOwn(file, original);
    original.logLevel("debug");
    DaemonConfig.Builder reread = new DaemonConfig.Builder();
    assertEquals(List.of(), ConfigFile.readOwn(write(r.out()), reread));
    assertEquals(original.build(DEFAULTS), reread.build(DEFAULTS));
  }

  @Test
  void versionThreeIsAnErrorNamingTheKey() throws Exception {
    Path file = write("version = 3\n");
    Run r = run("--config", file.toString(), "--check-config");
    assertEquals(1, r.code());
    assertEquals(
        "transferd: "
            + file
            + ":1: version must be 2 (this file's layout is containerd's version 2), not 3\n",
        r.err());
    assertEquals("", r.out());
  }

  @Test
  void anInvalidMetricsAddressIsAnErrorInTheFileAndOnTheCommandLine() throws Exception {
    Path file = write("[metrics]\naddress = \"notanaddress:99999\"\n");
    Run r = run("--config", file.toString(), "--check-config");
    assertEquals(1, r.code());
    assertEquals(
        "transferd: "
            + file
            + ":2: metrics.address must be host:port such as \"127.0.0.1:9310\", not"
            + " \"notanaddress:99999\" (it has no port between 0 and 65535 after its last colon)\n",
        r.err());

    Run flag = run("--metrics-address", "notanaddress", "--check-config");
    assertEquals(1, flag.code());
    assertEquals(
        "transferd: --metrics-address must be HOST:PORT such as 127.0.0.1:9310, not"
            + " \"notanaddress\" (it has no :PORT)\n",
        flag.err());
  }

  @Test
  void aSocketPathLongerThanUnixSocketsAllowIsAnError() {
    String address = "/tmp/" + "s".repeat(110) + ".sock";
    Run r = run("--address", address, "--check-config");
    assertEquals(1, r.code());
    assertEquals(
        "transferd: the socket path "
            + address
            + " is 120 bytes long; unix sockets allow at most 107 (choose a shorter --address or"
            + " [ttrpc] address)\n",
        r.err());
  }
}
