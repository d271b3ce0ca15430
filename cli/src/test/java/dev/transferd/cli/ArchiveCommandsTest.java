package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * import, images ls/inspect, tag, export and images rm end to end: a docker-archive made by skopeo
 * from an OCI layout built here, through transferctl, against a real daemon; the export read back
 * by skopeo.
 */
class ArchiveCommandsTest {
  private static final Path SKOPEO = Path.of("/usr/bin/skopeo");
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(SKOPEO), "skopeo installed");
    fixture = CliFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static void blob(Path layout, byte[] b) throws Exception {
    Path p = layout.resolve("blobs/sha256").resolve(sha256(b).substring(7));
    Files.createDirectories(p.getParent());
    Files.write(p, b);
  }

  /** A one-layer linux/amd64 image as an OCI layout; returns the layout directory. */
  private Path ociLayout() throws Exception {
    Path layout = fixture.dir.resolve("layout");
    // a tar with one file "hello" (512-byte header, content block, two zero blocks)
    byte[] tar = new byte[512 * 4];
    byte[] content = "hello from transferctl\n".getBytes(StandardCharsets.UTF_8);
    byte[] header = new byte[512];
    put(header, 0, "hello");
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", content.length));
    put(header, 136, "00000000000");
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    System.arraycopy(header, 0, tar, 0, 512);
    System.arraycopy(content, 0, tar, 512, content.length);
    blob(layout, tar);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + sha256(tar)
                + "\"]},\"config\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    blob(layout, config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + sha256(config)
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\""
                + sha256(tar)
                + "\",\"size\":"
                + tar.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    blob(layout, manifest);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        layout.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
            + sha256(manifest)
            + "\",\"size\":"
            + manifest.length
            + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");
    return layout;
  }

  private static void put(byte[] header, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, header, at, b.length);
  }

  private static String skopeo(String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = SKOPEO.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }

  @Test
  void importListTagExportAndRemoveAnArchiveMadeBySkopeo() throws Exception {
    Path archive = fixture.dir.resolve("app.tar");
    skopeo(
        "copy",
        "--quiet",
        "oci:" + ociLayout(),
        "docker-archive:" + archive + ":localhost/app:1.0");

    CliFixture.Result imported = fixture.run("--progress", "plain", "import", archive.toString());
    assertEquals(0, imported.code(), imported.err());
    assertTrue(imported.out().contains("Importing"), imported.out());
    assertTrue(imported.out().contains("localhost/app:1.0: saved"), imported.out());
    assertTrue(
        imported.out().lines().anyMatch(l -> l.startsWith("imported " + archive + ": ")),
        imported.out());

    CliFixture.Result listed = fixture.run("images", "ls", "-q");
    assertEquals(0, listed.code(), listed.err());
    assertTrue(listed.out().lines().anyMatch(l -> l.equals("localhost/app:1.0")), listed.out());

    CliFixture.Result tagged = fixture.run("tag", "localhost/app:1.0", "localhost/app:latest");
    assertEquals(0, tagged.code(), tagged.err());
    CliFixture.Result table = fixture.run("images", "ls");
    assertTrue(table.out().startsWith("REF"), table.out());
    assertTrue(table.out().contains("localhost/app:latest"), table.out());

    CliFixture.Result inspected = fixture.run("images", "inspect", "localhost/app:latest");
    assertEquals(0, inspected.code(), inspected.err());
    assertTrue(inspected.out().contains("\"name\": \"localhost/app:latest\""), inspected.out());

    Path exported = fixture.dir.resolve("out.tar");
    CliFixture.Result export =
        fixture.run("--progress", "none", "export", exported.toString(), "localhost/app:latest");
    assertEquals(0, export.code(), export.err());
    String inspectedByskopeo = skopeo("inspect", "--raw", "oci-archive:" + exported);
    assertTrue(inspectedByskopeo.contains("schemaVersion"), inspectedByskopeo);

    CliFixture.Result toStdout = fixture.run("export", "-", "localhost/app:1.0");
    assertEquals(0, toStdout.code(), toStdout.err());
    assertTrue(toStdout.stdout().length > 1024, "the archive went to stdout");
    assertTrue(toStdout.err().contains("exported to stdout: "), toStdout.err());

    CliFixture.Result removed = fixture.run("images", "rm", "localhost/app:latest");
    assertEquals(0, removed.code(), removed.err());
    CliFixture.Result gone = fixture.run("images", "inspect", "localhost/app:latest");
    assertEquals(3, gone.code(), gone.err());
    assertTrue(
        gone.err().startsWith("transferctl: inspect localhost/app:latest: not found"), gone.err());
    assertFalse(fixture.run("images", "ls", "-q").out().contains("localhost/app:latest"));

    CliFixture.Result fromStdin =
        fixture.runWithInput(
            Files.readAllBytes(archive),
            "--progress",
            "none",
            "import",
            "--base-name",
            "again",
            "-");
    assertEquals(0, fromStdin.code(), fromStdin.err());
  }
}
