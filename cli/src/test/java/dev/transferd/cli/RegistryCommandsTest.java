package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.transferd.plugin.registry.RegistryFixtures;
import dev.transferd.plugin.registry.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pull and push end to end: transferctl against a real daemon, which talks to real {@code
 * docker-registry} processes (plain and htpasswd basic auth) filled by skopeo.
 */
class RegistryCommandsTest {
  private static final String USER = "bob";
  private static final String PASSWORD = "hunter2-but-longer";

  @TempDir Path tmp;
  private CliFixture fixture;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")), "docker-registry");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo");
    fixture = CliFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void pullListsTheImageAndPushCopiesItToAnotherRegistry() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      String ref = regs.sourceRef();
      CliFixture.Result pulled =
          fixture.run("--progress", "plain", "pull", "--plain-http", "--all-platforms", ref);
      assertEquals(0, pulled.code(), pulled.err());
      assertEquals("", pulled.err());
      String out = pulled.out();
      assertTrue(out.startsWith("Resolving from OCI Registry (" + ref + ")\n"), out);
      for (var layer : regs.image().layers()) {
        assertTrue(out.contains("layer-" + layer.digest() + ": complete"), out);
      }
      assertTrue(out.contains(ref + ": saved"), out);
      String summary = out.lines().reduce((a, b) -> b).orElseThrow();
      // three layers, a config and a manifest per platform (two), and the index
      int blobs = regs.blobCount() + regs.image().manifests().size() + 1;
      assertTrue(summary.startsWith("pulled " + ref + ": "), summary);
      assertTrue(summary.endsWith(", " + blobs + " blobs transferred"), summary);

      CliFixture.Result listed = fixture.run("images", "ls", "-q");
      assertEquals(ref + "\n", listed.out());
      CliFixture.Result table = fixture.run("images", "ls");
      assertTrue(
          table.out().lines().anyMatch(l -> l.startsWith(ref) && l.contains(digestOf(regs))),
          table.out());

      CliFixture.Result again = fixture.run("--progress", "plain", "pull", "--plain-http", ref);
      assertEquals(0, again.code(), again.err());
      assertTrue(again.out().contains("already exists"), again.out());

      String target = regs.destination().host() + "/copied/app:v2";
      CliFixture.Result pushed =
          fixture.run("--progress", "plain", "push", "--plain-http", target, ref);
      assertEquals(0, pushed.code(), pushed.err());
      assertTrue(pushed.out().contains("Completed push to"), pushed.out());
      String last = pushed.out().lines().reduce((a, b) -> b).orElseThrow();
      assertTrue(last.startsWith("pushed " + target + ": "), last);
      RegistryFixtures.assertCopiedBack(regs, target, tmp.resolve("copied-back"));
    }
  }

  @Test
  void pullOfATagTheRegistryLacksIsNotFoundAndStoresNothing() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      String missing = regs.source().host() + "/app/multi:no-such-tag";
      CliFixture.Result r = fixture.run("--progress", "none", "pull", "--plain-http", missing);
      assertEquals(3, r.code(), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("transferctl: pull " + missing + ": not found: "), r.err());
      assertTrue(
          r.err().endsWith("(try: check the repository and tag; the registry has no such image)\n"),
          r.err());
      assertEquals("", fixture.run("images", "ls", "-q").out());
    }
  }

  @Test
  void aRegistryThatWantsAPasswordIsExitFourWithoutOneAndWorksWithIt() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp);
        TestRegistry locked =
            RegistryFixtures.basicAuthRegistry(tmp.resolve("locked"), USER, PASSWORD)) {
      CliFixture.Result pulled =
          fixture.run(
              "--progress", "none", "pull", "--plain-http", "--all-platforms", regs.sourceRef());
      assertEquals(0, pulled.code(), pulled.err());
      String target = locked.host() + "/private/app:1";

      CliFixture.Result anonymous =
          fixture.run("--progress", "none", "push", "--plain-http", target, regs.sourceRef());
      assertEquals(4, anonymous.code(), anonymous.err());
      assertEquals(1, anonymous.err().lines().count(), anonymous.err());
      assertTrue(
          anonymous.err().startsWith("transferctl: push " + regs.sourceRef() + " to " + target),
          anonymous.err());
      assertTrue(anonymous.err().contains("(try: pass --user USER[:PASSWORD])"), anonymous.err());

      CliFixture.Result wrong =
          fixture.run(
              "--progress",
              "none",
              "push",
              "--plain-http",
              "--user",
              USER + ":not-it",
              target,
              regs.sourceRef());
      assertEquals(4, wrong.code(), wrong.err());
      assertFalse(wrong.err().contains("not-it"), "the password is never echoed: " + wrong.err());
      assertTrue(
          wrong.err().contains("(try: check the user name and password given with --user)"),
          wrong.err());

      CliFixture.Result pushed =
          fixture.run(
              "--progress",
              "none",
              "push",
              "--plain-http",
              "--user",
              USER + ":" + PASSWORD,
              target,
              regs.sourceRef());
      assertEquals(0, pushed.code(), pushed.err());

      CliFixture.Result locked401 =
          fixture.run("--progress", "none", "pull", "--plain-http", target);
      assertEquals(4, locked401.code(), locked401.err());
      assertFalse(fixture.run("images", "ls", "-q").out().contains(target));

      CliFixture.Result withPassword =
          fixture.run(
              "--progress", "none", "pull", "--plain-http", "-u", USER + ":" + PASSWORD, target);
      assertEquals(0, withPassword.code(), withPassword.err());
      assertTrue(fixture.run("images", "ls", "-q").out().contains(target + "\n"));
    }
  }

  private static String digestOf(RegistryFixtures.Pair regs) {
    return regs.image().root().digest();
  }

  /** ctr's {@code --http-dump} and {@code --http-trace}: the daemon's HTTP on stderr. */
  @Test
  void pullDumpsAndPushTracesToStderrWithoutTheSecret() throws Exception {
    try (RegistryFixtures.Pair regs =
        RegistryFixtures.twoBasicAuthRegistriesWithImage(tmp, USER, PASSWORD)) {
      String ref = regs.sourceRef();
      String user = USER + ":" + PASSWORD;
      CliFixture.Result pulled =
          fixture.run("--progress", "none", "pull", "--plain-http", "--http-dump", "-u", user, ref);
      assertEquals(0, pulled.code(), pulled.err());
      assertTrue(pulled.err().contains("> GET http://" + regs.source().host() + "/v2/"));
      assertTrue(pulled.err().contains("> Authorization: Basic <redacted>"), pulled.err());
      assertFalse(pulled.err().contains("* "), "no trace lines without --http-trace");
      assertFalse(pulled.err().contains(PASSWORD));

      String target = regs.destination().host() + "/copied/app:v2";
      CliFixture.Result pushed =
          fixture.run(
              "--progress",
              "none",
              "push",
              "--plain-http",
              "--http-trace",
              "-u",
              user,
              target,
              ref);
      assertEquals(0, pushed.code(), pushed.err());
      assertTrue(pushed.err().contains("* challenge from " + regs.destination().host()));
      assertFalse(pushed.err().contains("> "), "no dump lines without --http-dump");
      assertFalse(pushed.err().contains(PASSWORD));

      CliFixture.Result quiet =
          fixture.run("--progress", "none", "pull", "--plain-http", "-u", user, ref);
      assertEquals("", quiet.err(), "nothing on stderr without the flags");
    }
  }

  @Test
  void aOnePlatformPushSendsThatPlatformsManifestUnderTheTag() throws Exception {
    try (RegistryFixtures.Pair regs = RegistryFixtures.twoRegistriesWithImage(tmp)) {
      String ref = regs.sourceRef();
      CliFixture.Result pulled =
          fixture.run(
              "--progress", "none", "pull", "--plain-http", "--platform", "linux/arm64", ref);
      assertEquals(0, pulled.code(), pulled.err());

      // Without --platform the whole index is pushed: it fails before uploading anything.
      String all = regs.destination().host() + "/all/app:1";
      CliFixture.Result whole = fixture.run("--progress", "none", "push", "--plain-http", all, ref);
      assertEquals(1, whole.code(), whole.err());
      assertTrue(whole.err().contains("is not in the local store"), whole.err());

      String target = regs.destination().host() + "/one/app:arm64";
      CliFixture.Result pushed =
          fixture.run(
              "--progress",
              "none",
              "push",
              "--plain-http",
              "--platform",
              "linux/arm64",
              target,
              ref);
      assertEquals(0, pushed.code(), pushed.err());

      CliFixture.Result back =
          fixture.run("-n", "back", "--progress", "none", "pull", "--plain-http", target);
      assertEquals(0, back.code(), back.err());
      CliFixture.Result inspected = fixture.run("-n", "back", "images", "inspect", target);
      assertTrue(
          inspected.out().contains("application/vnd.oci.image.manifest.v1+json"), inspected.out());
      assertFalse(inspected.out().contains("image.index"), inspected.out());
    }
  }

  @Test
  void pushHelpStatesWhatPushesWithoutAPlatform() {
    CliFixture.Result help = fixture.run("push", "--help");
    String text = help.out().replaceAll("\\s+", " ");
    assertTrue(
        text.contains(
            "without it, pull and import take this host's, push and export every" + " platform"),
        help.out());
    assertFalse(text.contains("default this host's"), help.out());
  }

  @Test
  void copyMovesAnImageBetweenRegistriesWithEachSidesCredentialsAndStoresNothing()
      throws Exception {
    try (RegistryFixtures.Pair regs =
        RegistryFixtures.twoBasicAuthRegistriesWithImage(tmp, USER, PASSWORD)) {
      String source = regs.sourceRef();
      String target = regs.destination().host() + "/copied/app:v1";
      String both = USER + ":" + PASSWORD;

      CliFixture.Result noDestinationUser =
          fixture.run(
              "--progress", "none", "copy", "--plain-http", "--src-user", both, source, target);
      assertEquals(4, noDestinationUser.code(), noDestinationUser.err());
      assertTrue(
          noDestinationUser
              .err()
              .startsWith("transferctl: copy " + source + " to " + target + ": "),
          noDestinationUser.err());

      CliFixture.Result copied =
          fixture.run(
              "--progress",
              "plain",
              "copy",
              "--plain-http",
              "--src-user",
              both,
              "--dest-user",
              both,
              source,
              target);
      assertEquals(0, copied.code(), copied.err());
      assertTrue(
          copied
              .out()
              .lines()
              .anyMatch(l -> l.startsWith("copied " + source + " to " + target + ": ")),
          copied.out());
      assertEquals("", fixture.run("images", "ls", "-q").out(), "copy stores nothing");

      CliFixture.Result back =
          fixture.run("--progress", "none", "pull", "--plain-http", "-u", both, target);
      assertEquals(0, back.code(), back.err());
    }
  }
}
