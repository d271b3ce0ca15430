package dev.transferd.plugin.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's umoci, the reference unpacker the tests compare against. */
public final class Umoci {
  public static final String PATH = "/usr/bin/umoci";

  private Umoci() {}

  public static void require() {
    RealPeers.requireExecutable(PATH, "umoci");
  }

  /** {@code umoci unpack} of {@code layout:tag} into the bundle {@code bundle}; its rootfs. */
  public static Path unpack(Path layout, String tag, Path bundle)
      throws IOException, InterruptedException {
    run(PATH, "unpack", "--image", layout + ":" + tag, bundle.toString());
    return bundle.resolve("rootfs");
  }

  public static String run(String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + text);
    return text;
  }
}
