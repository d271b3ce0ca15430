package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Registry fixtures for tests outside this package (transfer operations). */
public final class RegistryFixtures {
  private RegistryFixtures() {}

  /** Two running registries; the source holds a two-platform, three-layer image. */
  public record Pair(
      TestRegistry source, TestRegistry destination, OciLayout layout, OciLayout.Image image)
      implements AutoCloseable {
    public String sourceRef() {
      return source.host() + "/app/multi:v1";
    }

    public int blobCount() {
      return image.layers().size() + image.configs().size();
    }

    public TestRegistry sourceRegistry() {
      return source;
    }

    @Override
    public void close() throws Exception {
      source.close();
      destination.close();
    }
  }

  /** Resolves {@code ref}, which must be {@code im}'s root, and returns its first layer's bytes. */
  static byte[] pullFirstLayer(OciLayout.Image im, String ref, RegistryOptions options)
      throws Exception {
    RegistryClient c = RegistryClient.open(ImageRef.parse(ref), options);
    assertEquals(im.root().digest(), c.resolve().getDigest());
    try (InputStream in = c.fetch(RegistryClientTest.desc(im.layers().getFirst()), 0)) {
      return in.readAllBytes();
    }
  }

  /** The first layer's bytes as the layout holds them. */
  static byte[] firstLayerBytes(OciLayout layout, OciLayout.Image im) throws IOException {
    return Files.readAllBytes(layout.blob(im.layers().getFirst().digest()));
  }

  /**
   * A hosts.toml naming {@code https://host} as the server and its {@code [host]} table with {@code
   * settings} (TOML lines, may be empty).
   */
  static String httpsHostsToml(String host, String settings) {
    return "server = \"https://" + host + "\"\n\n[host.\"https://" + host + "\"]\n" + settings;
  }

  public static Pair twoRegistriesWithImage(Path tmp) throws Exception {
    TestRegistry a = TestRegistry.plain(tmp.resolve("source"));
    TestRegistry b = TestRegistry.plain(tmp.resolve("destination"));
    OciLayout layout = new OciLayout(tmp.resolve("layout"));
    OciLayout.Image image =
        layout.image(3, List.of("linux/amd64", "linux/arm64"), 200_000, 30_000, 7);
    Skopeo.push(layout.dir(), a.host() + "/app/multi:v1");
    return new Pair(a, b, layout, image);
  }

  /** Like {@link #twoRegistriesWithImage}, one platform with one layer of {@code size} bytes. */
  public static Pair twoRegistriesWithBigLayer(Path tmp, int size) throws Exception {
    TestRegistry a = TestRegistry.plain(tmp.resolve("source"));
    TestRegistry b = TestRegistry.plain(tmp.resolve("destination"));
    OciLayout layout = new OciLayout(tmp.resolve("layout"));
    OciLayout.Image image = layout.image(5, List.of("linux/amd64"), size, 1000);
    Skopeo.push(layout.dir(), a.host() + "/app/multi:v1");
    return new Pair(a, b, layout, image);
  }

  /**
   * Like {@link #twoRegistriesWithImage}, both registries wanting htpasswd basic auth for {@code
   * user} with {@code password}.
   */
  public static Pair twoBasicAuthRegistriesWithImage(Path tmp, String user, String password)
      throws Exception {
    TestRegistry a = basicAuthRegistry(tmp.resolve("source"), user, password);
    TestRegistry b = basicAuthRegistry(tmp.resolve("destination"), user, password);
    OciLayout layout = new OciLayout(tmp.resolve("layout"));
    OciLayout.Image image = layout.image(3, List.of("linux/amd64"), 60_000, 3_000);
    Skopeo.push(layout.dir(), a.host() + "/app/multi:v1", "--dest-creds", user + ":" + password);
    return new Pair(a, b, layout, image);
  }

  /**
   * Writes a one-platform image with one random layer of {@code size} bytes (gzip: a little more on
   * the wire) into a new layout in {@code dir} and pushes it to {@code ref} (plain HTTP).
   */
  public static OciLayout.Image pushImage(Path dir, long seed, String ref, int size)
      throws Exception {
    OciLayout layout = new OciLayout(dir);
    OciLayout.Image image = layout.image(seed, List.of("linux/amd64"), size);
    Skopeo.push(layout.dir(), ref);
    return image;
  }

  /** An empty registry that wants htpasswd basic auth for {@code user} with {@code password}. */
  public static TestRegistry basicAuthRegistry(Path dir, String user, String password)
      throws Exception {
    Files.createDirectories(dir);
    Path htpasswd = dir.resolve("htpasswd");
    Files.writeString(
        htpasswd,
        user + ":" + BCrypt.withDefaults().hashToString(4, password.toCharArray()) + "\n");
    return TestRegistry.start(
        dir, "  htpasswd:\n    realm: basic-realm\n    path: " + htpasswd + "\n", "");
  }

  /** Every blob of {@code im}: layers, configs, manifests, root. */
  public static List<OciLayout.Blob> allBlobs(OciLayout.Image im) {
    return RegistryClientTest.concat(
        RegistryClientTest.concat(im.layers(), im.configs()),
        RegistryClientTest.concat(im.manifests(), List.of(im.root())));
  }

  /** skopeo copies {@code ref} back to an OCI layout: every blob equals the original's bytes. */
  public static void assertCopiedBack(Pair p, String ref, Path dir) throws Exception {
    Skopeo.run("copy", "--all", "--src-tls-verify=false", "docker://" + ref, "oci:" + dir + ":x");
    OciLayout.Image im = p.image();
    for (OciLayout.Blob b :
        RegistryClientTest.concat(
            RegistryClientTest.concat(im.layers(), im.configs()),
            RegistryClientTest.concat(im.manifests(), List.of(im.root())))) {
      assertArrayEquals(
          Files.readAllBytes(p.layout().blob(b.digest())),
          Files.readAllBytes(dir.resolve("blobs/sha256").resolve(b.digest().substring(7))),
          b.digest());
    }
  }
}
