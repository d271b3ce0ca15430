package dev.transferd.plugin.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.transferd.proto.types.Descriptor;
import java.io.IOException;

/**
 * An OCI image layout ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/...}): what
 * skopeo's oci-archive, buildkit, {@code ctr export} and docker 25+ (beside its {@code
 * manifest.json}) write. The archive's {@code index.json} blob is the root as it is.
 */
final class OciLayoutFormat {
  private OciLayoutFormat() {}

  static ImportedArchive read(
      ArchiveFiles files, byte[] layout, BlobSource blobs, ArchiveLimits limits)
      throws IOException {
    String version =
        ArchiveJson.text(ArchiveJson.parse(layout, "oci-layout"), "imageLayoutVersion");
    if (!version.equals("1.0.0")) {
      throw new InvalidArchiveException(
          "oci-layout", "imageLayoutVersion \"" + version + "\" is not supported (only 1.0.0)");
    }
    ArchiveFiles.File index =
        files
            .file("index.json")
            .orElseThrow(
                () -> new InvalidArchiveException("index.json", "missing from the OCI layout"));
    JsonNode json =
        ArchiveJson.parse(
            ArchiveJson.readBlob(blobs, index.digest(), "index.json", limits), "index.json");
    JsonNode manifests = json.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw new InvalidArchiveException("index.json", "not an OCI index (no manifests list)");
    }
    String mediaType = ArchiveJson.text(json, "mediaType");
    if (!mediaType.isEmpty() && !mediaType.equals(MediaTypes.OCI_INDEX)) {
      throw new InvalidArchiveException(
          "index.json", "media type \"" + mediaType + "\" is not an OCI index");
    }
    if (limits.requireRepoTag()) {
      boolean named = false;
      for (JsonNode m : manifests) {
        JsonNode a = m.get("annotations");
        named |=
            a != null
                && (a.hasNonNull("io.containerd.image.name")
                    || a.hasNonNull("org.opencontainers.image.ref.name"));
      }
      if (!named) {
        throw new InvalidArchiveException("index.json", "no image in the archive has a repo:tag");
      }
    }
    return new ImportedArchive(
        "oci",
        Descriptor.newBuilder()
            .setMediaType(MediaTypes.OCI_INDEX)
            .setDigest(index.digest())
            .setSize(index.size())
            .build());
  }
}
