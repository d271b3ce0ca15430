package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which names {@code transferctl import} stores, and the warning when it stores none. */
class ImportNamingTest {
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = CliFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private Path archive(String name) throws Exception {
    Path file = fixture.dir.resolve(name.isEmpty() ? "unnamed.tar" : "app.tar");
    Files.write(file, TestArchive.oci(name, 4096));
    return file;
  }

  @Test
  void theReadmesBaseNameExampleStoresTheImagesUnderThatPrefix() throws Exception {
    Path app = archive("localhost/app:1.0");
    CliFixture.Result r =
        fixture.run("--progress", "none", "import", "--base-name", "localhost/app", app.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals("localhost/app:1.0\n", fixture.run("images", "ls", "-q").out());
  }

  @Test
  void aBaseNameNoImageStartsWithWarnsThatNothingWasNamed() throws Exception {
    Path app = archive("localhost/app:1.0");
    CliFixture.Result r =
        fixture.run("--progress", "none", "import", "--base-name", "example.com/x", app.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "transferctl: warning: no image in "
            + app
            + " has a name starting with example.com/x; nothing was stored under a name (try: a"
            + " --base-name its names start with, --index-name NAME to store the whole archive, or"
            + " --digests to name each image by its digest)\n",
        r.err());
    assertEquals("", fixture.run("images", "ls", "-q").out());
  }

  @Test
  void anArchiveThatNamesNoImageWarnsWhichFlagsWouldName() throws Exception {
    Path unnamed = archive("");
    CliFixture.Result r = fixture.run("--progress", "none", "import", unnamed.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "transferctl: warning: "
            + unnamed
            + " names no image; nothing was stored under a name (try: --base-name NAME,"
            + " --index-name NAME to store the whole archive, or --digests to name each image by"
            + " its digest)\n",
        r.err());

    CliFixture.Result named =
        fixture.run(
            "--progress",
            "none",
            "import",
            "--index-name",
            "example.com/all:1",
            unnamed.toString());
    assertEquals(0, named.code(), named.err());
    assertEquals("", named.err());
    assertEquals("example.com/all:1\n", fixture.run("images", "ls", "-q").out());
  }

  @Test
  void theHelpSaysBaseNameIsAPrefixFilter() {
    CliFixture.Result r = fixture.run("import", "--help");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .replaceAll("\\s+", " ")
            .contains("import only the images whose names start with NAME"),
        r.out());
  }
}
