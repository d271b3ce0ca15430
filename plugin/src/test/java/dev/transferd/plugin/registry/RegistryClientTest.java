package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry client against a real plain-HTTP docker-registry filled by skopeo. */
class RegistryClientTest {
  @TempDir static Path tmp;
  static TestRegistry registry;
  static OciLayout.Image image;
  static OciLayout layout;

  @BeforeAll
  static void start() throws Exception {
    registry = TestRegistry.plain(tmp.resolve("registry"));
    layout = new OciLayout(tmp.resolve("layout"));
    image = layout.image(1, List.of("linux/amd64", "linux/arm64"), 300_000, 40_000, 5);
    Skopeo.push(layout.dir(), registry.host() + "/app/multi:v1");
  }

  @AfterAll
  static void stop() throws Exception {
    registry.close();
  }

  static RegistryClient client(String ref) {
    return RegistryClient.open(ImageRef.parse(ref), RegistryOptions.DEFAULTS);
  }

  static Descriptor desc(OciLayout.Blob b) {
    return Descriptor.newBuilder()
        .setMediaType(b.mediaType())
        .setDigest(b.digest())
        .setSize(b.size())
        .build();
  }

  @Test
  void resolveGivesTheDigestSkopeoSees() throws Exception {
    Descriptor root = client(registry.host() + "/app/multi:v1").resolve();
    byte[] raw = Skopeo.rawManifest(registry.host() + "/app/multi:v1");
    assertEquals(Digest.sha256(raw), root.getDigest());
    assertEquals(raw.length, root.getSize());
    assertEquals(MediaTypes.OCI_INDEX, root.getMediaType());
  }

  @Test
  void resolveByDigestChecksTheDigest() throws Exception {
    Descriptor root = client(registry.host() + "/app/multi@" + image.root().digest()).resolve();
    assertEquals(image.root().digest(), root.getDigest());
  }

  @Test
  void fetchedManifestsAndLayersAreTheBytesPushed() throws Exception {
    RegistryClient c = client(registry.host() + "/app/multi:v1");
    for (OciLayout.Blob m : image.manifests()) {
      assertArrayEquals(
          Files.readAllBytes(layout.blob(m.digest())), c.fetchBytes(desc(m), 1 << 20));
    }
    for (OciLayout.Blob l : image.layers()) {
      try (InputStream in = c.fetch(desc(l), 0)) {
        assertArrayEquals(Files.readAllBytes(layout.blob(l.digest())), in.readAllBytes());
      }
    }
  }

  @Test
  void fetchFromAnOffsetReturnsTheRest() throws Exception {
    OciLayout.Blob big = image.layers().getFirst();
    byte[] all = Files.readAllBytes(layout.blob(big.digest()));
    try (InputStream in = client(registry.host() + "/app/multi:v1").fetch(desc(big), 123_456)) {
      assertArrayEquals(java.util.Arrays.copyOfRange(all, 123_456, all.length), in.readAllBytes());
    }
  }

  @Test
  void unknownTagIsNotFoundNamingTheReference() {
    RegistryException e =
        assertThrows(
            RegistryException.class, () -> client(registry.host() + "/app/multi:nope").resolve());
    assertEquals(StatusCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains(registry.host() + "/app/multi:nope"), e.getMessage());
  }

  @Test
  void corruptManifestBytesAreDataLoss() throws Exception {
    OciLayout.Blob m = image.manifests().getFirst();
    Descriptor wrong = desc(m).toBuilder().setSize(m.size() + 1).build();
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> client(registry.host() + "/app/multi:v1").fetchBytes(wrong, 1 << 20));
    assertEquals(StatusCode.DATA_LOSS, e.code());
  }

  @Test
  void pushedImageCopiedBackBySkopeoIsByteIdentical() throws Exception {
    pushAndCompare("app/pushed-whole", 0);
  }

  @Test
  void chunkedPushCopiedBackBySkopeoIsByteIdentical() throws Exception {
    pushAndCompare("app/pushed-chunks", 64 * 1024);
  }

  private void pushAndCompare(String repo, long chunk) throws Exception {
    String ref = registry.host() + "/" + repo + ":v2";
    RegistryClient c =
        RegistryClient.open(
            ImageRef.parse(ref), RegistryOptions.DEFAULTS.withUploadChunkSize(chunk));
    for (OciLayout.Blob b : concat(image.layers(), image.configs())) {
      assertFalse(c.exists(desc(b)));
      c.pushBlob(
          desc(b),
          off -> {
            InputStream in = Files.newInputStream(layout.blob(b.digest()));
            in.skipNBytes(off);
            return in;
          },
          List.of());
      assertTrue(c.exists(desc(b)));
    }
    for (OciLayout.Blob m : image.manifests()) {
      c.pushManifest(desc(m), Files.readAllBytes(layout.blob(m.digest())), m.digest());
    }
    c.pushManifest(
        desc(image.root()), Files.readAllBytes(layout.blob(image.root().digest())), "v2");
    Path back = tmp.resolve("back-" + repo.replace('/', '-'));
    Skopeo.run("copy", "--all", "--src-tls-verify=false", "docker://" + ref, "oci:" + back + ":v2");
    for (OciLayout.Blob b :
        concat(
            concat(image.layers(), image.configs()),
            concat(image.manifests(), List.of(image.root())))) {
      Path copy = back.resolve("blobs/sha256").resolve(b.digest().substring(7));
      assertArrayEquals(
          Files.readAllBytes(layout.blob(b.digest())), Files.readAllBytes(copy), b.digest());
    }
  }

  @Test
  void mountFromAnotherRepositoryUploadsNothing() throws Exception {
    RegistryClient c = client(registry.host() + "/app/mounted:v1");
    OciLayout.Blob layer = image.layers().getFirst();
    RegistryClient.PushOutcome outcome =
        c.pushBlob(
            desc(layer),
            off -> {
              throw new AssertionError("a mounted blob is not read");
            },
            List.of("app/multi"));
    assertEquals(RegistryClient.PushOutcome.MOUNTED, outcome);
    assertTrue(c.exists(desc(layer)));
  }

  static <T> List<T> concat(List<T> a, List<T> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
