package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImageRefTest {
  private static final String SHA256 = "sha256:" + "ab".repeat(32);

  @Test
  void dockerHubNamesAreNormalizedAsDockerDoes() {
    for (String ref :
        new String[] {
          "alpine", "library/alpine", "docker.io/alpine", "index.docker.io/library/alpine"
        }) {
      ImageRef parsed = ImageRef.parse(ref + ":3.19");
      assertEquals("docker.io", parsed.host(), ref);
      assertEquals("library/alpine", parsed.repository(), ref);
      assertEquals("3.19", parsed.tag(), ref);
    }
  }

  @Test
  void hostsPortsTagsAndDigestsAreKept() {
    ImageRef ref = ImageRef.parse("127.0.0.1:5000/team/app:v1@" + SHA256);
    assertEquals(new ImageRef("127.0.0.1:5000", "team/app", "v1", SHA256), ref);
    assertEquals(SHA256, ref.object());
    assertEquals(ref, ImageRef.parse(ref.toString()));
  }

  @Test
  void badReferencesAreRefusedNamingThem() {
    for (String bad :
        new String[] {
          "Alpine", "alpine:bad tag", "alpine@md5:" + "0".repeat(32), "a" + "0".repeat(63), "x//y"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ImageRef.parse(bad), bad);
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
  }
}
