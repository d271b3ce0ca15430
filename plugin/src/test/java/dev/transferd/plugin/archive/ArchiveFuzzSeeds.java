package dev.transferd.plugin.archive;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the committed inputs of {@link ArchiveImporterFuzzTest}: one small valid archive of each
 * format the importer reads, so that the fuzzer mutates real tar headers and JSON rather than
 * searching for a valid checksum from nothing. Run from the plugin's test classpath with the inputs
 * directory as the argument; the files are committed.
 */
final class ArchiveFuzzSeeds {
  private ArchiveFuzzSeeds() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createDirectories(Path.of(args[0]));
    TestImages.Image amd64 = TestImages.image("seed", "amd64", "", 1, false, true);
    TestImages.Image arm64 = TestImages.image("seed", "arm64", "v8", 1, true, true);
    TestImages.Image docker = TestImages.image("seed", "amd64", "", 2, false, false);

    write(dir, "oci-layout", new TestImages.Layout().add(amd64, "v1", "x.io/a/b:v1").tar(""));
    write(
        dir,
        "oci-index-prefixed",
        new TestImages.Layout().addIndex(List.of(amd64, arm64), "latest").tar("out/"));
    Map<TestImages.Image, List<String>> tagged = new LinkedHashMap<>();
    tagged.put(docker, List.of("seed:latest"));
    byte[] dockerSave = TestImages.dockerSave(tagged);
    write(dir, "docker-save", dockerSave);
    write(dir, "docker-save.gz", TestImages.gzip(dockerSave));
    write(
        dir,
        "legacy-v1",
        new TarWriter()
            .file("repositories", "{\"seed\":{\"latest\":\"0123\"}}")
            .dir("0123")
            .file("0123/json", "{\"id\":\"0123\"}")
            .file("0123/layer.tar", TestImages.layerTar("seed", 0))
            .finish());
  }

  /** Writes a seed without the tar's zero padding past its end marker, and checks it imports. */
  private static void write(Path dir, String name, byte[] bytes) throws IOException {
    byte[] seed = bytes[0] == 0x1f ? bytes : trimmed(bytes);
    ImportedArchive imported =
        ArchiveImporter.read(
            new ByteArrayInputStream(seed), "", new MemoryBlobSink(), ArchiveLimits.DEFAULTS);
    Files.write(dir.resolve(name), seed);
    System.out.println(name + ": " + seed.length + " bytes, " + imported);
  }

  /** The tar up to its last non-zero block, then the two zero blocks that end a tar. */
  private static byte[] trimmed(byte[] tar) {
    int end = tar.length;
    while (end > 0 && tar[end - 1] == 0) {
      end--;
    }
    int blocks = (end + 511) / 512;
    return Arrays.copyOf(tar, (blocks + 2) * 512);
  }
}
