package dev.transferd.ttrpc.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one skip policy for tests that need a real peer (a Debian package, root, a browser): on a
 * developer's machine a missing peer skips the test with what to install; in CI ({@code CI=true})
 * it fails the test, because CI installs every peer and a skip there would hide a broken set-up.
 */
public final class RealPeers {
  private RealPeers() {}

  /** True when running in CI, where every peer must be present. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * Requires {@code present}; otherwise skips (developer machine) or fails (CI) with {@code what},
   * which should say what is missing and how to get it (e.g. "skopeo: apt-get install skopeo").
   */
  public static void require(boolean present, String what) {
    if (present) {
      return;
    }
    if (inCi()) {
      Assertions.fail("missing test peer in CI: " + what);
    }
    Assumptions.abort("missing test peer (skipped outside CI): " + what);
  }

  /** Requires an executable at {@code path}, named with the package that installs it. */
  public static void requireExecutable(String path, String debianPackage) {
    require(Files.isExecutable(Path.of(path)), path + ": apt-get install " + debianPackage);
  }

  /** Requires running as root (containerd, mknod, chown); CI runs as root. */
  public static void requireRoot(String why) {
    require("root".equals(System.getProperty("user.name")), "root, for " + why);
  }
}
