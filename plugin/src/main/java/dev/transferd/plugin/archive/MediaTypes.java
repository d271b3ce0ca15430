package dev.transferd.plugin.archive;

/** The OCI and Docker media types archives carry. */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_FOREIGN_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  public static final String OCI_NONDISTRIBUTABLE_PREFIX =
      "application/vnd.oci.image.layer.nondistributable.";

  private MediaTypes() {}

  public static boolean isIndex(String mediaType) {
    return mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_MANIFEST_LIST);
  }

  public static boolean isManifest(String mediaType) {
    return mediaType.equals(OCI_MANIFEST) || mediaType.equals(DOCKER_MANIFEST);
  }

  /** Layers a registry may not redistribute (Windows base layers), left out on request. */
  public static boolean isNonDistributable(String mediaType) {
    return mediaType.startsWith(OCI_NONDISTRIBUTABLE_PREFIX)
        || mediaType.equals(DOCKER_FOREIGN_LAYER_GZIP)
        || mediaType.equals("application/vnd.docker.image.rootfs.foreign.diff.tar");
  }
}
