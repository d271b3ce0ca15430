package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.archive.ArchiveLimits;
import dev.transferd.plugin.services.ImagesService;
import dev.transferd.proto.images.v1.Image;
import dev.transferd.proto.images.v1.ListImagesRequest;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive keys of our config table ({@code require_archive_name}, {@code max_archive_size},
 * {@code max_archive_json_size}) reach the daemon's imports: a config file, the daemon started from
 * it, and archives sent through its Transfer service.
 */
class ArchiveSettingsTest {
  @TempDir Path dir;

  private DaemonConfig config(String table) throws Exception {
    Path file = dir.resolve("transferd.toml");
    Files.writeString(
        file,
        """
        root = "%s"
        [ttrpc]
          address = "%s"
        [plugins."dev.transferd.v1.transfer"]
        %s
        """
            .formatted(dir.resolve("root"), dir.resolve("t.sock"), table));
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(java.util.List.of(), ConfigFile.readOwn(file, builder));
    return builder.build(new DefaultLocations(dir.resolve("unused"), dir.resolve("unused.sock")));
  }

  /** Imports {@code archive} into a daemon on {@code config}; returns the names it then holds. */
  private static List<String> importInto(DaemonConfig config, byte[] archive) throws IOException {
    try (Daemon daemon = Daemon.start(config);
        TtrpcClient ttrpc = TtrpcClient.connect(daemon.address())) {
      TransferClient.builder(ttrpc)
          .namespace("default")
          .build()
          .transfer(
              ImportArchive.from(new ByteArrayInputStream(archive)),
              StoredImage.named("")
                  .withExtraReference(new ImageReference("import", true, true, true, false)));
      return ttrpc
          .call(
              ImagesService.LIST,
              ListImagesRequest.getDefaultInstance(),
              CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, "default"))
          .getImagesList()
          .stream()
          .map(Image::getName)
          .toList();
    }
  }

  /**
   * A one-layer docker save; {@code repoTag} null for none; {@code padding} bytes in the config.
   */
  private static byte[] dockerSave(String repoTag, int padding) throws Exception {
    byte[] layer = tar("hello.txt", "hello\n".getBytes(StandardCharsets.UTF_8));
    String diffId = "sha256:" + hex(layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"comment\":\""
                + "x".repeat(padding)
                + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    String tags = repoTag == null ? "[]" : "[\"" + repoTag + "\"]";
    byte[] manifest =
        ("[{\"Config\":\"c.json\",\"RepoTags\":" + tags + ",\"Layers\":[\"l/layer.tar\"]}]")
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      put(t, "l/layer.tar", layer);
      put(t, "c.json", config);
      put(t, "manifest.json", manifest);
    }
    return out.toByteArray();
  }

  private static byte[] tar(String name, byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      put(t, name, content);
    }
    return out.toByteArray();
  }

  private static void put(TarArchiveOutputStream t, String name, byte[] content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    t.putArchiveEntry(e);
    t.write(content);
    t.closeArchiveEntry();
  }

  private static String hex(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void requireArchiveNameRefusesAnArchiveWithoutARepoTagAndTakesANamedOne() throws Exception {
    DaemonConfig config = config("require_archive_name = true");
    assertTrue(config.archiveLimits().requireRepoTag());

    TtrpcException e =
        assertThrows(TtrpcException.class, () -> importInto(config, dockerSave(null, 0)));
    assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
    assertTrue(
        e.getMessage().contains("manifest.json: no image in the archive has a repo:tag"),
        e.getMessage());

    importInto(config, dockerSave("named:1", 0));
  }

  @Test
  void withoutTheKeyAnUnnamedArchiveIsImported() throws Exception {
    List<String> names = importInto(config(""), dockerSave(null, 0));
    assertFalse(names.isEmpty(), "the unnamed image is stored under its digest");
    assertTrue(names.stream().allMatch(n -> n.startsWith("import@sha256:")), names::toString);
  }

  @Test
  void theJsonAndArchiveCapsComeFromTheConfig() throws Exception {
    DaemonConfig small = config("max_archive_json_size = 2048\nmax_archive_size = 1000000");
    assertEquals(new ArchiveLimits(1_000_000, 2048, false), small.archiveLimits());
    importInto(small, dockerSave("fits:1", 1000));

    TtrpcException json =
        assertThrows(TtrpcException.class, () -> importInto(small, dockerSave("big:1", 4000)));
    assertEquals(StatusCode.INVALID_ARGUMENT, json.code());
    assertTrue(json.getMessage().contains("c.json"), json.getMessage());
    assertTrue(json.getMessage().contains("over the limit of 2048"), json.getMessage());

    DaemonConfig tiny = config("max_archive_size = 4096");
    TtrpcException size =
        assertThrows(TtrpcException.class, () -> importInto(tiny, dockerSave("any:1", 0)));
    assertEquals(StatusCode.INVALID_ARGUMENT, size.code());
    assertTrue(size.getMessage().contains("limit of 4096"), size.getMessage());
  }

  @Test
  void aBadArchiveKeyIsAnErrorNamingIt() throws Exception {
    ConfigException e =
        assertThrows(ConfigException.class, () -> config("require_archive_name = \"yes\""));
    assertTrue(
        e.getMessage().contains("require_archive_name must be true or false"), e.getMessage());
    ConfigException zero =
        assertThrows(ConfigException.class, () -> config("max_archive_size = 0"));
    assertTrue(zero.getMessage().contains("max_archive_size must be between"), zero.getMessage());
  }
}
