package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** transferctl's command line, errors and exit codes against a real daemon on a temp socket. */
class TransferctlTest {
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = CliFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void noDaemonOnTheSocketIsExitFiveWithTheSocketAndWhatToDo() {
    Path nowhere = fixture.dir.resolve("absent.sock");
    CliFixture.Result r =
        fixture.runBare(
            InputStream.nullInputStream(), "--address", nowhere.toString(), "images", "ls");
    assertEquals(5, r.code());
    assertEquals(
        "transferctl: daemon unreachable: no transferd answers on "
            + nowhere
            + " (try: start it with 'transferd', or point --address or TRANSFERD_ADDRESS at its"
            + " socket)\n",
        r.err());
    assertEquals("", r.out());
  }

  @Test
  void theAddressComesFromTransferdAddressWhenNoFlagIsGiven() {
    fixture.env.put("TRANSFERD_ADDRESS", fixture.dir.resolve("elsewhere.sock").toString());
    CliFixture.Result r = fixture.runBare(InputStream.nullInputStream(), "version");
    assertEquals(5, r.code(), r.err());
    assertTrue(r.err().contains(fixture.dir.resolve("elsewhere.sock").toString()), r.err());

    fixture.env.put("TRANSFERD_ADDRESS", fixture.socket().toString());
    r = fixture.runBare(InputStream.nullInputStream(), "version");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Address: " + fixture.socket()), r.out());
  }

  @Test
  void versionNamesClientAndTheDaemonItReached() {
    CliFixture.Result r = fixture.run("version");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("Client:\n  Version: "), r.out());
    assertTrue(r.out().contains("Server:\n  Address: " + fixture.socket()), r.out());
  }

  @Test
  void anUnknownFlagIsAUsageErrorWithExitTwo() {
    CliFixture.Result r = fixture.run("pull", "--plain-htp", "localhost:5000/a:1");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("Unknown option: '--plain-htp'"), r.err());
  }

  @Test
  void helpListsEveryCommandAndATypoGetsASuggestion() {
    // Commands are added lazily, one per run; help and typos must still see them all.
    CliFixture.Result help = fixture.run("--help");
    assertEquals(0, help.code(), help.err());
    for (String command :
        new String[] {
          "pull", "push", "copy", "import", "export", "tag", "unpack", "repack", "images",
          "content", "leases", "gc", "version"
        }) {
      assertTrue(
          help.out().lines().anyMatch(l -> l.matches("  " + command + "[ ,].*")),
          command + " in:\n" + help.out());
    }
    CliFixture.Result typo = fixture.run("--progress", "none", "imags", "ls");
    assertEquals(2, typo.code());
    assertTrue(typo.err().contains("Did you mean: transferctl image"), typo.err());
    CliFixture.Result alias = fixture.run("-n", "other", "i", "ls", "-q");
    assertEquals(0, alias.code(), alias.err());
  }

  @Test
  void aMissingCommandIsAUsageError() {
    assertEquals(2, fixture.run().code());
    CliFixture.Result r = fixture.run("images");
    assertEquals(2, r.code());
    assertEquals("transferctl: images needs a command: ls, inspect or rm (try: --help)\n", r.err());
  }

  @Test
  void aMalformedPlatformIsAUsageErrorNamingIt() {
    CliFixture.Result r = fixture.run("pull", "--platform", "linux", "localhost:5000/a:1");
    assertEquals(2, r.code());
    assertEquals(
        "transferctl: --platform platform must be os/architecture[/variant]: \"linux\" (try:"
            + " --help)\n",
        r.err());
  }

  @Test
  void platformAndAllPlatformsExcludeEachOther() {
    CliFixture.Result r =
        fixture.run("export", "--platform", "linux/amd64", "--all-platforms", "out.tar", "a");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--platform and --all-platforms exclude each other"), r.err());
  }

  @Test
  void importOfAMissingFileIsAUsageErrorNamingIt() {
    CliFixture.Result r = fixture.run("import", fixture.dir.resolve("nope.tar").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no such archive: " + fixture.dir.resolve("nope.tar")), r.err());
  }

  @Test
  void aServerErrorIsOneLineWithWhatWasDoneTheCodesMeaningAndAHint() throws Exception {
    // Tagging an image that is not in the store fails on the daemon, whatever it implements.
    CliFixture.Result r = fixture.run("tag", "no/such:image", "other:tag");
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("transferctl: tag no/such:image as other:tag: "), r.err());
    assertTrue(r.err().contains("(try: "), r.err());
    assertEquals(3, r.code(), r.err());
  }

  @Test
  void aFailedExportLeavesNoPartialArchive() throws Exception {
    Path out = fixture.dir.resolve("out.tar");
    CliFixture.Result r = fixture.run("export", out.toString(), "no/such:image");
    assertTrue(r.code() != 0);
    assertFalse(Files.exists(out));
    try (var files = Files.list(fixture.dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("partial")));
    }
  }

  @Test
  void everyCommandAndHelpCommandPrintsItsUsageAndExitsZero() {
    for (String command :
        new String[] {
          "pull",
          "push",
          "copy",
          "import",
          "export",
          "tag",
          "unpack",
          "repack",
          "images",
          "images ls",
          "images inspect",
          "images rm",
          "content",
          "leases",
          "gc",
          "version"
        }) {
      String[] words = command.split(" ");
      String[] withFlag = java.util.Arrays.copyOf(words, words.length + 1);
      withFlag[words.length] = "--help";
      CliFixture.Result help = fixture.run(withFlag);
      assertEquals(0, help.code(), command + " --help: " + help.err());
      assertTrue(help.out().startsWith("Usage: transferctl " + command), help.out());
      assertEquals("", help.err());
      if (words.length > 1) {
        continue; // 'help' takes one command
      }
      String[] viaHelp = new String[words.length + 1];
      viaHelp[0] = "help";
      System.arraycopy(words, 0, viaHelp, 1, words.length);
      CliFixture.Result helped = fixture.run(viaHelp);
      assertEquals(0, helped.code(), "help " + command + ": " + helped.err());
      assertTrue(helped.out().startsWith("Usage: transferctl " + command), helped.out());
    }
    CliFixture.Result h = fixture.run("pull", "-h");
    assertEquals(0, h.code(), h.err());
  }

  @Test
  void aRegistryThatIsDownIsExitOneNamingTheRegistryNotTheDaemon() {
    // Nothing listens on port 1: the daemon answers, the registry behind it does not.
    CliFixture.Result r =
        fixture.run("--progress", "none", "pull", "--plain-http", "127.0.0.1:1/x:1");
    assertEquals(1, r.code(), r.err());
    assertTrue(
        r.err()
            .startsWith("transferctl: pull 127.0.0.1:1/x:1: unavailable: resolve 127.0.0.1:1/x:1:"),
        r.err());
    assertTrue(
        r.err()
            .endsWith(
                " (try: transferd is running, but what it reached for is not; check that the"
                    + " registry is up and reachable from the daemon's machine, then retry)\n"),
        r.err());
    assertFalse(r.err().contains("daemon unavailable"), r.err());
  }

  @Test
  void malformedReferencesAreUsageErrorsAndCreateNothing() {
    CliFixture.Result pull = fixture.run("pull", "bad ref!");
    assertEquals(2, pull.code(), pull.err());
    assertEquals(
        "transferctl: image reference \"bad ref!\": invalid repository path component \"bad"
            + " ref!\" (try: --help)\n",
        pull.err());

    CliFixture.Result push = fixture.run("push", "localhost:5000/UPPER:1", "a:1");
    assertEquals(2, push.code(), push.err());
    assertEquals(
        "transferctl: image reference \"localhost:5000/UPPER:1\": repository name must be"
            + " lowercase (try: --help)\n",
        push.err());

    CliFixture.Result tag = fixture.run("tag", "a:1", "good:1", "bad ref!");
    assertEquals(2, tag.code(), tag.err());
    assertEquals(
        "transferctl: image reference \"bad ref!\": invalid repository path component \"bad"
            + " ref!\" (try: --help)\n",
        tag.err());
    CliFixture.Result empty = fixture.run("tag", "a:1", "");
    assertEquals(2, empty.code(), empty.err());
    assertEquals("transferctl: an image reference must not be empty (try: --help)\n", empty.err());
    assertEquals("", fixture.run("images", "ls", "-q").out());
  }
}
