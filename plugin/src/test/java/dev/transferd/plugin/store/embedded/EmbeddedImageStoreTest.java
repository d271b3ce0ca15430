package dev.transferd.plugin.store.embedded;

import static dev.transferd.plugin.store.embedded.StoreFixtures.descriptor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentStoreContract;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedImageStoreTest {
  private static final String NS = "default";
  private static final String D1 = sha("one");
  private static final String D2 = sha("two");

  @TempDir Path root;
  EmbeddedStore store;
  ImageStore images;

  @BeforeEach
  void open() throws IOException {
    store = StoreFixtures.openQuiet(root);
    images = store.images();
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private static String sha(String s) {
    return ContentStoreContract.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertCode(StatusCode code, Executable call) {
    StoreException e = assertThrows(StoreException.class, call);
    assertEquals(code, e.code(), e.getMessage());
  }

  @Test
  void createdImagesAreReadBackWithTimesAndSurviveReopening() throws IOException {
    Image created =
        images.create(
            NS,
            new Image("docker.io/library/alpine:3", descriptor(D1), Map.of("a", "b"), null, null));
    assertEquals(created.createdAt(), created.updatedAt());
    store.close();
    store = StoreFixtures.openQuiet(root);
    Image got = store.images().get(NS, "docker.io/library/alpine:3").orElseThrow();
    assertEquals(created, got);
    assertTrue(store.images().get("other", "docker.io/library/alpine:3").isEmpty());
  }

  @Test
  void aTakenNameIsAlreadyExistsAndAMissingOneNotFound() {
    images.create(NS, Image.of("app:1", descriptor(D1)));
    assertCode(
        StatusCode.ALREADY_EXISTS, () -> images.create(NS, Image.of("app:1", descriptor(D2))));
    assertEquals(D1, images.get(NS, "app:1").orElseThrow().target().getDigest());
    assertCode(StatusCode.NOT_FOUND, () -> images.delete(NS, "app:2"));
    assertCode(
        StatusCode.NOT_FOUND,
        () -> images.update(NS, Image.of("app:2", descriptor(D1)), List.of()));
  }

  @Test
  void invalidImagesAreRejectedNamingTheImage() {
    Descriptor noSize = descriptor(D1).toBuilder().setSize(0).build();
    Descriptor noType = descriptor(D1).toBuilder().setMediaType("").build();
    Descriptor badDigest = descriptor(D1).toBuilder().setDigest("sha256:xyz").build();
    for (Descriptor d : List.of(noSize, noType, badDigest)) {
      StoreException e =
          assertThrows(StoreException.class, () -> images.create(NS, Image.of("bad:1", d)));
      assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("bad:1"), e.getMessage());
    }
    assertCode(StatusCode.INVALID_ARGUMENT, () -> images.create(NS, Image.of("", descriptor(D1))));
    assertCode(
        StatusCode.INVALID_ARGUMENT,
        () ->
            images.create(
                NS, new Image("big:1", descriptor(D1), Map.of("k", "v".repeat(5000)), null, null)));
    assertTrue(images.list(NS, List.of()).isEmpty(), "nothing was stored");
  }

  @Test
  void updateChangesOnlyTheNamedFields() {
    images.create(NS, new Image("app:1", descriptor(D1), Map.of("a", "1", "b", "2"), null, null));
    Image u =
        images.update(
            NS,
            new Image("app:1", descriptor(D2), Map.of("b", "3"), null, null),
            List.of("labels.b"));
    assertEquals(D1, u.target().getDigest());
    assertEquals(Map.of("a", "1", "b", "3"), u.labels());
    u = images.update(NS, Image.of("app:1", descriptor(D2)), List.of("target"));
    assertEquals(D2, u.target().getDigest());
    assertEquals(Map.of("a", "1", "b", "3"), u.labels());
    assertTrue(!u.updatedAt().isBefore(u.createdAt()));
    assertCode(
        StatusCode.INVALID_ARGUMENT,
        () -> images.update(NS, Image.of("app:1", descriptor(D2)), List.of("name")));
  }

  @Test
  void storeWritesAllRecordsOrNone() {
    images.create(NS, Image.of("taken:1", descriptor(D1)));
    assertCode(
        StatusCode.ALREADY_EXISTS,
        () ->
            images.store(
                NS,
                List.of(
                    new ImageStore.Write(Image.of("fresh:1", descriptor(D2)), false),
                    new ImageStore.Write(Image.of("taken:1", descriptor(D2)), false))));
    assertTrue(images.get(NS, "fresh:1").isEmpty(), "the first record was rolled back");

    List<Image> stored =
        images.store(
            NS,
            List.of(
                new ImageStore.Write(Image.of("fresh:1", descriptor(D2)), false),
                new ImageStore.Write(Image.of("taken:1", descriptor(D2)), true)));
    assertEquals(2, stored.size());
    assertEquals(D2, images.get(NS, "taken:1").orElseThrow().target().getDigest());
  }

  @Test
  void listUsesContainerdFilters() {
    Descriptor index = descriptor(D2).toBuilder().setMediaType(StoreFixtures.INDEX).build();
    images.create(
        NS,
        new Image("docker.io/library/alpine:3", descriptor(D1), Map.of("env", "prod"), null, null));
    images.create(
        NS, new Image("docker.io/library/busybox:1", index, Map.of("env", "dev"), null, null));
    images.create(NS, new Image("localhost:5000/app:v1", descriptor(D1), Map.of(), null, null));

    assertEquals(
        List.of("docker.io/library/alpine:3"),
        names(images.list(NS, List.of("name==docker.io/library/alpine:3"))));
    assertEquals(
        List.of("docker.io/library/busybox:1"),
        names(images.list(NS, List.of("target.mediatype~=index"))));
    assertEquals(
        List.of("docker.io/library/alpine:3", "docker.io/library/busybox:1"),
        names(images.list(NS, List.of("labels.env"))));
    assertEquals(
        List.of("docker.io/library/alpine:3", "localhost:5000/app:v1"),
        names(images.list(NS, List.of("labels.\"env\"==prod", "name~=^localhost"))));
    assertEquals(
        List.of("docker.io/library/alpine:3"),
        names(images.list(NS, List.of("name~=docker.io,labels.env!=dev"))));
    assertEquals(
        List.of("docker.io/library/alpine:3", "localhost:5000/app:v1"),
        names(images.list(NS, List.of("target.digest==" + D1))));
  }

  private static List<String> names(List<Image> list) {
    return list.stream().map(Image::name).toList();
  }
}
