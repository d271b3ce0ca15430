package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code transferctl export FILE} does with each kind of FILE, and how it fails when the
 * archive cannot be written whole: only regular files are replaced, and a cut archive is never
 * reported as exported.
 */
class ExportTargetTest {
  private static final String IMAGE = "localhost/app:1.0";
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = CliFixture.start();
    CliFixture.Result imported =
        fixture.runWithInput(TestArchive.oci(IMAGE, 1 << 20), "--progress", "none", "import", "-");
    assertEquals(0, imported.code(), imported.err());
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private CliFixture.Result export(String file) {
    return fixture.run("--progress", "none", "export", file, IMAGE);
  }

  private static boolean isTar(byte[] archive) {
    // every archive we write has a ustar header first: "ustar" at offset 257
    return archive.length > 512
        && new String(
                Arrays.copyOfRange(archive, 257, 262), java.nio.charset.StandardCharsets.US_ASCII)
            .equals("ustar");
  }

  @Test
  void aFifoIsWrittenIntoAndStaysAFifo() throws Exception {
    Path fifo = fixture.dir.resolve("pipe");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    CompletableFuture<byte[]> read =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = Files.newInputStream(fifo)) {
                return in.readAllBytes();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    CliFixture.Result r = export(fifo.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(isTar(read.get(30, TimeUnit.SECONDS)), "the archive came through the FIFO");
    assertEquals("other", kind(fifo));
  }

  @Test
  void aSymbolicLinkIsFollowedAndKept() throws Exception {
    Path real = fixture.dir.resolve("real.tar");
    Files.writeString(real, "old contents");
    Path link = Files.createSymbolicLink(fixture.dir.resolve("link.tar"), real);
    CliFixture.Result r = export(link.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isSymbolicLink(link), "the link is still a link");
    assertEquals(real, Files.readSymbolicLink(link));
    assertTrue(isTar(Files.readAllBytes(real)), "the file it names holds the archive");
    try (var files = Files.list(fixture.dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".partial")));
    }
  }

  @Test
  void aSymbolicLinkToNothingIsRefusedAndKept() throws Exception {
    Path link =
        Files.createSymbolicLink(fixture.dir.resolve("dangling.tar"), Path.of("/nonexistent/x"));
    CliFixture.Result r = export(link.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "transferctl: " + link + " is a symbolic link to nothing (/nonexistent/x) (try: --help)\n",
        r.err());
    assertTrue(Files.isSymbolicLink(link));
  }

  @Test
  void aDirectoryIsRefused() throws Exception {
    Path dir = Files.createDirectory(fixture.dir.resolve("out"));
    CliFixture.Result r = export(dir.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals("transferctl: " + dir + " is a directory (try: --help)\n", r.err());
    assertTrue(Files.isDirectory(dir));
  }

  @Test
  void aFullDeviceFailsTheExportAndIsNotReplaced() throws Exception {
    CliFixture.Result r = export("/dev/full");
    assertEquals(1, r.code(), r.err());
    assertEquals(
        "transferctl: export " + IMAGE + ": cannot write /dev/full: no space left on device\n",
        r.err());
    assertEquals("other", kind(Path.of("/dev/full")), "still a device");
  }

  @Test
  void standardOutputThatIsFullFailsWithOneLineAndNoSummary() throws Exception {
    try (OutputStream full = new FileOutputStream("/dev/full")) {
      fixture.data = full;
      CliFixture.Result r = fixture.run("--progress", "plain", "export", "-", IMAGE);
      assertEquals(1, r.code(), r.err());
      assertEquals(
          "transferctl: export "
              + IMAGE
              + ": cannot write standard output: no space left on device\n",
          r.err().lines().filter(l -> l.startsWith("transferctl:")).findFirst().orElse("") + "\n");
      assertFalse(r.err().contains("exported to stdout"), r.err());
    }
  }

  @Test
  void aReaderThatGoesAwayEndsTheExportQuietlyWithExit141() throws Exception {
    Process head =
        new ProcessBuilder("head", "-c", "1000")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    // The pipe's write end as a plain file descriptor, as a shell would hand it to transferctl
    // (head waits for its 1000 bytes, so it is still there to open).
    try (OutputStream pipe = new FileOutputStream("/proc/" + head.pid() + "/fd/0")) {
      head.getOutputStream().close();
      fixture.data = pipe;
      CliFixture.Result r = fixture.run("--progress", "none", "export", "-", IMAGE);
      assertTrue(head.waitFor(30, TimeUnit.SECONDS));
      assertEquals(141, r.code(), r.err());
      assertEquals("", r.err());
    }
  }

  @Test
  void aTerminalOnStandardOutputIsRefusedBeforeAnythingIsWritten() {
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    fixture.data = written;
    fixture.stdoutIsTerminal = true;
    CliFixture.Result r = fixture.run("export", "-", IMAGE);
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "transferctl: refusing to write an archive to a terminal; redirect standard output or"
            + " name a FILE (try: --help)\n",
        r.err());
    assertArrayEquals(new byte[0], written.toByteArray());
  }

  /** "regular", "directory", "symlink" or "other" (a FIFO, device or socket). */
  private static String kind(Path p) throws Exception {
    var a =
        Files.readAttributes(
            p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return a.isRegularFile()
        ? "regular"
        : a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symlink" : "other";
  }
}
