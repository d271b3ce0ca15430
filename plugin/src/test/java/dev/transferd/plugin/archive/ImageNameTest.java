package dev.transferd.plugin.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.streams.client.ImageName;
import org.junit.jupiter.api.Test;

class ImageNameTest {
  @Test
  void dockerHubNamesAreNormalized() {
    assertEquals("docker.io/library/alpine:latest", ImageName.normalize("alpine"));
    assertEquals("docker.io/library/alpine:latest", ImageName.normalize("alpine:latest"));
    assertEquals(
        "docker.io/library/alpine:3.20", ImageName.normalize("docker.io/library/alpine:3.20"));
    assertEquals("docker.io/bitnami/redis:7", ImageName.normalize("bitnami/redis:7"));
    assertEquals("docker.io/library/busybox:1", ImageName.normalize("index.docker.io/busybox:1"));
  }

  @Test
  void otherRegistriesKeepTheirHost() {
    assertEquals("localhost:5000/app:v1", ImageName.normalize("localhost:5000/app:v1"));
    assertEquals("localhost/app:latest", ImageName.normalize("localhost/app"));
    assertEquals("ghcr.io/org/tool:latest", ImageName.normalize("ghcr.io/org/tool"));
  }

  @Test
  void aDigestReplacesTheTag() {
    String digest = "sha256:" + "0".repeat(64);
    assertEquals("docker.io/library/alpine@" + digest, ImageName.normalize("alpine:3@" + digest));
  }

  @Test
  void familiarNamesAreWhatDockerShows() {
    assertEquals("alpine:latest", ImageName.parse("docker.io/library/alpine:latest").familiar());
    assertEquals("bitnami/redis:7", ImageName.parse("docker.io/bitnami/redis:7").familiar());
    assertEquals("localhost:5000/app:v1", ImageName.parse("localhost:5000/app:v1").familiar());
  }

  @Test
  void badReferencesAreRefusedSayingWhy() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> ImageName.parse("Alpine:latest"))
            .getMessage()
            .contains("must be lowercase"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> ImageName.parse("alpine:bad tag"))
            .getMessage()
            .contains("invalid tag"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> ImageName.parse("a".repeat(64)))
            .getMessage()
            .contains("image id"));
    assertThrows(IllegalArgumentException.class, () -> ImageName.parse(""));
  }
}
