package dev.transferd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.transferd.plugin.store.embedded.EmbeddedStoreOptions;
import dev.transferd.plugin.transfer.StoreTransferFixture;
import dev.transferd.plugin.unpack.LayerTar;
import dev.transferd.plugin.unpack.TestImage;
import dev.transferd.plugin.unpack.TestLayers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Go client (the ttrpc peer's {@code unpack} mode: Debian's Go ttrpc and gogo/protobuf, no
 * transferd code) asks the Transfer service for an unpack with transferd's own {@code
 * dev.transferd.transfer.v1.UnpackDirectory} type under its bare type URL.
 */
class GoUnpackClientTest {
  @TempDir Path tmp;
  private StoreTransferFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = StoreTransferFixture.start(tmp.resolve("store"), EmbeddedStoreOptions.defaults());
    new TestImage(
            new TestLayers()
                .add(new LayerTar().dir("etc", 0755).file("etc/motd", 0644, "from go\n")))
        .storeIn(fixture.store, "default", "localhost/app:1");
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void goClientUnpacksAStoredImage() throws Exception {
    Path dir = tmp.resolve("rootfs");

    Result r = unpack("localhost/app:1", dir);

    assertEquals(0, r.code(), r.out());
    assertEquals("unpacked\n", r.out());
    assertEquals("from go\n", Files.readString(dir.resolve("etc/motd")));
  }

  @Test
  void goClientGetsNotFoundForAnUnknownImage() throws Exception {
    Result r = unpack("localhost/none:1", tmp.resolve("rootfs"));

    assertEquals(1, r.code(), r.out());
    assertEquals("NotFound: unpack: image \"localhost/none:1\": not found\n", r.out());
  }

  private record Result(int code, String out) {}

  private Result unpack(String image, Path dir) throws Exception {
    List<String> command =
        List.of(
            GoPeer.binary().toString(),
            "unpack",
            "-socket",
            fixture.streaming.socket.toString(),
            "-image",
            image,
            "-dir",
            dir.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the Go client did not end: " + out);
    }
    return new Result(p.exitValue(), out);
  }
}
