package dev.transferd.plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.unpack.LayerTar;
import dev.transferd.plugin.unpack.TestImage;
import dev.transferd.plugin.unpack.TestLayers;
import dev.transferd.streams.client.Platform;
import dev.transferd.streams.client.ProgressEvent;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.streams.client.UnpackDirectory;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpack through the Transfer service: a Java client names a stored image and a directory. */
class UnpackTransferTest {
  @TempDir Path tmp;
  private StoreTransferFixture fixture;
  private TestImage image;

  @BeforeEach
  void start() throws IOException {
    fixture = StoreTransferFixture.start(tmp.resolve("store"), EmbeddedStoreOptions.defaults());
    image =
        new TestImage(
            new TestLayers()
                .add(new LayerTar().dir("etc", 0755).file("etc/os-release", 0644, "ID=test\n"))
                .add(
                    new LayerTar().file("etc/.wh.os-release", 0644, "").file("hello", 0755, "hi")));
    image.storeIn(fixture.store, "default", "docker.io/library/app:1");
  }

  @AfterEach
  void stop() throws IOException {
    fixture.close();
  }

  @Test
  void aStoredImageIsUnpackedIntoTheDirectoryWithProgressPerLayer() throws IOException {
    List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    Path dir = tmp.resolve("rootfs");

    fixture.client.transfer(
        StoredImage.named("docker.io/library/app:1"),
        UnpackDirectory.at(dir.toString()).withPlatform(Platform.parse("linux/amd64")),
        TransferOptions.withProgress(events::add));

    assertEquals("hi", Files.readString(dir.resolve("hello")));
    assertEquals(List.of(), list(dir.resolve("etc")));
    List<String> flow = events.stream().map(e -> e.event() + " " + e.name()).toList();
    assertEquals("Unpacking ", flow.getFirst());
    assertEquals("Completed unpack ", flow.getLast());
    assertEquals(2, flow.stream().filter(f -> f.startsWith("complete layer-sha256:")).count());
    assertEquals(2, flow.stream().filter(f -> f.startsWith("waiting layer-sha256:")).count());
  }

  @Test
  void aTargetThatIsNotEmptyIsAlreadyExistsAndKept() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("rootfs"));
    Files.writeString(dir.resolve("mine"), "mine");

    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                fixture.client.transfer(
                    StoredImage.named("docker.io/library/app:1"),
                    UnpackDirectory.at(dir.toString())));

    assertEquals(StatusCode.ALREADY_EXISTS, e.status().code());
    assertEquals("unpack: " + dir + ": exists and is not empty", e.status().message());
    assertEquals(List.of(dir.resolve("mine")), list(dir));
  }

  @Test
  void anUnknownImageIsNotFound() {
    Path dir = tmp.resolve("rootfs");
    TtrpcException e =
        assertThrows(
            TtrpcException.class,
            () ->
                fixture.client.transfer(
                    StoredImage.named("docker.io/library/nope:1"),
                    UnpackDirectory.at(dir.toString())));

    assertEquals(StatusCode.NOT_FOUND, e.status().code());
    assertEquals("unpack: image \"docker.io/library/nope:1\": not found", e.status().message());
    assertFalse(Files.exists(dir));
  }

  private static List<Path> list(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }
}
