package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore.Write;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.transfer.ImageReference;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageNamingTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC);

  private static Descriptor manifest() {
    return Descriptor.newBuilder()
        .setMediaType("application/vnd.oci.image.manifest.v1+json")
        .setDigest(DIGEST)
        .setSize(500)
        .build();
  }

  /** An index entry of an import, named by the archive. */
  private static Descriptor imported(String imageName, String refName) {
    Descriptor.Builder d =
        manifest().toBuilder().putAnnotations(ImageNaming.REF_SOURCE, "annotation");
    if (imageName != null) {
      d.putAnnotations(ImageNaming.IMAGE_NAME, imageName);
    }
    if (refName != null) {
      d.putAnnotations(ImageNaming.OCI_REF_NAME, refName);
    }
    return d.build();
  }

  private static List<String> names(ImageStore spec, Descriptor d) {
    return new ImageNaming(spec, CLOCK).writesFor(d).stream().map(w -> w.image().name()).toList();
  }

  private static ImageReference prefix(
      String name, boolean overwrite, boolean digest, boolean skipNamed) {
    return ImageReference.newBuilder()
        .setName(name)
        .setIsPrefix(true)
        .setAllowOverwrite(overwrite)
        .setAddDigest(digest)
        .setSkipNamedDigest(skipNamed)
        .build();
  }

  @Test
  void pullOrTagStoresTheNameWithItsLabels() {
    ImageStore spec =
        ImageStore.newBuilder().setName("docker.io/library/alpine:3").putLabels("k", "v").build();
    List<Write> writes = new ImageNaming(spec, CLOCK).writesFor(manifest());
    assertEquals(1, writes.size());
    Image image = writes.get(0).image();
    assertEquals("docker.io/library/alpine:3", image.name());
    assertEquals(manifest(), image.target());
    assertEquals(java.util.Map.of("k", "v"), image.labels());
    assertTrue(writes.get(0).overwrite(), "names are created or replaced, as containerd does");
  }

  @Test
  void extraReferencesOfANamedImageLiveOnlyAsLongAsIt() {
    ImageStore spec =
        ImageStore.newBuilder()
            .setName("example.com/app:v1")
            .addExtraReferences(ImageReference.newBuilder().setName("example.com/app:stable"))
            .addExtraReferences(
                ImageReference.newBuilder().setName("example.com/app").setAddDigest(true))
            .addExtraReferences(prefix("skipped-prefix", false, false, false))
            .build();
    List<Write> writes = new ImageNaming(spec, CLOCK).writesFor(manifest());
    assertEquals(
        List.of("example.com/app:v1", "example.com/app:stable", "example.com/app@" + DIGEST),
        writes.stream().map(w -> w.image().name()).toList());
    Image extra = writes.get(1).image();
    assertEquals("example.com/app:v1", extra.labels().get("containerd.io/gc.bref.image"));
    assertEquals("2025-03-01T10:00:00Z", extra.labels().get("containerd.io/gc.expire"));
  }

  @Test
  void nothingToNameItByGivesNoRecords() {
    assertTrue(names(ImageStore.getDefaultInstance(), manifest()).isEmpty());
    assertEquals(StatusCode.NOT_FOUND, ImageNaming.noName().code());
  }

  @Test
  void ctrImportDefaultKeepsFullNamesAndPrefixesBareTags() {
    // ctr import without --base-name: prefix "import-<date>", allow_overwrite
    ImageStore spec =
        ImageStore.newBuilder()
            .addExtraReferences(prefix("import-2025-03-01", true, false, false))
            .build();
    assertEquals(
        List.of("docker.io/library/alpine:latest"),
        names(spec, imported("docker.io/library/alpine:latest", "latest")));
    assertEquals(List.of("import-2025-03-01:v2"), names(spec, imported(null, "v2")));
    assertEquals(List.of("example.com/x:1"), names(spec, imported(null, "example.com/x:1")));
    assertTrue(names(spec, imported(null, null)).isEmpty());
  }

  @Test
  void baseNameFiltersNamesOutsideIt() {
    ImageStore spec =
        ImageStore.newBuilder()
            .addExtraReferences(prefix("example.com/app", false, false, false))
            .build();
    assertEquals(List.of("example.com/app:v1"), names(spec, imported("example.com/app:v1", "v1")));
    assertEquals(List.of("example.com/app:v3"), names(spec, imported(null, "v3")));
    assertTrue(
        names(spec, imported("example.com/application:v1", "v1")).isEmpty(),
        "not under the prefix");
    assertTrue(names(spec, imported("other.io/app:v1", "v1")).isEmpty());
  }

  @Test
  void digestReferencesFollowAddDigestAndSkipNamedDigest() {
    Descriptor named = imported("example.com/app:v1", "v1");
    Descriptor unnamed = imported(null, null);
    ImageStore both =
        ImageStore.newBuilder()
            .addExtraReferences(prefix("example.com/app", false, true, false))
            .build();
    assertEquals(List.of("example.com/app:v1", "example.com/app@" + DIGEST), names(both, named));
    assertEquals(List.of("example.com/app@" + DIGEST), names(both, unnamed));
    ImageStore skip =
        ImageStore.newBuilder()
            .addExtraReferences(prefix("example.com/app", false, true, true))
            .build();
    assertEquals(List.of("example.com/app:v1"), names(skip, named));
    assertEquals(List.of("example.com/app@" + DIGEST), names(skip, unnamed));
  }

  @Test
  void theImportMarkerIsNotStored() {
    ImageStore spec =
        ImageStore.newBuilder().addExtraReferences(prefix("p", true, false, false)).build();
    Image image =
        new ImageNaming(spec, CLOCK)
            .writesFor(imported("docker.io/library/a:1", "1"))
            .get(0)
            .image();
    assertFalse(image.target().getAnnotationsMap().containsKey(ImageNaming.REF_SOURCE));
    assertEquals(
        "docker.io/library/a:1", image.target().getAnnotationsMap().get(ImageNaming.IMAGE_NAME));
  }

  @Test
  void unknownRefSourceIsInvalid() {
    Descriptor d = manifest().toBuilder().putAnnotations(ImageNaming.REF_SOURCE, "path").build();
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () -> ImageNaming.of(ImageStore.getDefaultInstance()).writesFor(d));
    assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
  }

  @Test
  void translatorsMatchContainerds() {
    assertEquals("", ImageNaming.addPrefix("", "v1"));
    assertEquals("p:v1", ImageNaming.addPrefix("p", "v1"));
    assertEquals("other/x:1", ImageNaming.addPrefix("p", "other/x:1"));
    assertEquals("", ImageNaming.filterPrefix("p", "other/x:1"));
    assertEquals("p/sub:1", ImageNaming.filterPrefix("p", "p/sub:1"));
    assertEquals("p@sha256:1", ImageNaming.filterPrefix("p", "p@sha256:1"));
    assertEquals("", ImageNaming.filterPrefix("p", "px:1"));
  }
}
