package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.transferd.plugin.registry.RegistryFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ctr's {@code --http-dump} and {@code --http-trace} on pull and push: the daemon's HTTP on stderr.
 */
class HttpDebugFlagsTest {
  private static final String USER = "dora";
  private static final String PASSWORD = "never-on-stderr-42";

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
}
