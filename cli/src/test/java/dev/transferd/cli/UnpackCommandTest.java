package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.unpack.LayerTar;
import dev.transferd.plugin.unpack.TestImage;
import dev.transferd.plugin.unpack.TestLayers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code transferctl unpack} against a real daemon, of an image imported with transferctl. */
class UnpackCommandTest {
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = CliFixture.start();
    Path layout =
        new TestImage(
                new TestLayers()
                    .add(new LayerTar().dir("etc", 0755).file("etc/motd", 0644, "base\n"))
                    .add(new LayerTar().file("etc/motd", 0644, "top\n")))
            .writeLayout(fixture.dir.resolve("layout"), "1", "localhost/app:1");
    Path archive = fixture.dir.resolve("app.tar");
    Process tar =
        new ProcessBuilder("tar", "-C", layout.toString(), "-cf", archive.toString(), ".")
            .inheritIO()
            .start();
    assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, tar.exitValue());
    CliFixture.Result imported = fixture.run("import", archive.toString());
    assertEquals(0, imported.code(), imported.err());
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void unpackWritesTheImagesTreeAndSaysWhere() throws Exception {
    Path dir = fixture.dir.resolve("rootfs");

    CliFixture.Result r =
        fixture.run(
            "--progress",
            "plain",
            "unpack",
            "localhost/app:1",
            dir.toString(),
            "--platform",
            "linux/amd64");

    assertEquals(0, r.code(), r.err());
    assertEquals("top\n", Files.readString(dir.resolve("etc/motd")));
    assertTrue(r.out().contains("Unpacking"), r.out());
    assertTrue(
        r.out().lines().anyMatch(l -> l.startsWith("unpacked localhost/app:1 to " + dir)), r.out());
  }

  @Test
  void repackStoresTheChangesAsANewImageThatUnpacksToTheChangedTree() throws Exception {
    Path dir = fixture.dir.resolve("rootfs");
    assertEquals(0, fixture.run("unpack", "localhost/app:1", dir.toString()).code());
    Files.writeString(dir.resolve("etc/motd"), "patched\n");
    Files.writeString(dir.resolve("etc/extra"), "added\n");

    CliFixture.Result r =
        fixture.run(
            "--progress", "plain", "repack", dir.toString(), "localhost/app:1", "localhost/app:2");

    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().lines().anyMatch(l -> l.startsWith("repacked " + dir + " as localhost/app:2")),
        r.out());
    Path again = fixture.dir.resolve("again");
    assertEquals(0, fixture.run("unpack", "localhost/app:2", again.toString()).code());
    assertEquals("patched\n", Files.readString(again.resolve("etc/motd")));
    assertEquals("added\n", Files.readString(again.resolve("etc/extra")));
  }

  @Test
  void unpackOntoAFilledDirectoryFailsAndKeepsIt() throws Exception {
    Path dir = Files.createDirectories(fixture.dir.resolve("rootfs"));
    Files.writeString(dir.resolve("mine"), "mine");

    CliFixture.Result r = fixture.run("unpack", "localhost/app:1", dir.toString());

    assertEquals(ExitCodes.FAILED, r.code());
    assertTrue(r.err().contains("unpack: " + dir + ": exists and is not empty"), r.err());
    assertEquals("mine", Files.readString(dir.resolve("mine")));
  }

  @Test
  void unpackOfAnUnknownImageIsNotFound() {
    CliFixture.Result r =
        fixture.run("unpack", "localhost/none:1", fixture.dir.resolve("x").toString());

    assertEquals(ExitCodes.NOT_FOUND, r.code());
    assertTrue(r.err().contains("unpack: image \"localhost/none:1\": not found"), r.err());
  }
}
