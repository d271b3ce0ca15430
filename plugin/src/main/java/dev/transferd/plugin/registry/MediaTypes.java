package dev.transferd.plugin.registry;

import java.util.Set;

/** The manifest and blob media types the registry client tells apart. */
public final class MediaTypes {
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_SCHEMA1 =
      "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String IN_TOTO = "application/vnd.in-toto+json";

  /**
   * The Accept list of manifest requests (containerd's resolver default, docs/protocol/transfer.md
   * §7.4).
   */
  public static final String MANIFEST_ACCEPT =
      String.join(", ", DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX, "*/*");

  private static final Set<String> SCHEMA1 = Set.of(DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED);

  private MediaTypes() {}

  public static boolean isManifest(String mediaType) {
    return DOCKER_MANIFEST.equals(mediaType) || OCI_MANIFEST.equals(mediaType);
  }

  public static boolean isIndex(String mediaType) {
    return DOCKER_MANIFEST_LIST.equals(mediaType) || OCI_INDEX.equals(mediaType);
  }

  public static boolean isSchema1(String mediaType) {
    return SCHEMA1.contains(mediaType);
  }

  public static boolean isConfig(String mediaType) {
    return DOCKER_CONFIG.equals(mediaType)
        || OCI_CONFIG.equals(mediaType)
        || "application/octet-stream".equals(mediaType);
  }

  public static boolean isLayer(String mediaType) {
    return mediaType != null
        && (mediaType.startsWith("application/vnd.docker.image.rootfs.")
            || mediaType.startsWith("application/vnd.oci.image.layer."));
  }

  /**
   * The kind part of a ref key (containerd's {@code MakeRefKey}, docs/protocol/transfer.md §6.1):
   * {@code manifest}, {@code index}, {@code layer}, {@code config}, {@code attestation} or {@code
   * unknown}.
   */
  public static String refKind(String mediaType) {
    if (isManifest(mediaType)) {
      return "manifest";
    }
    if (isIndex(mediaType)) {
      return "index";
    }
    if (isLayer(mediaType)) {
      return "layer";
    }
    if (DOCKER_CONFIG.equals(mediaType) || OCI_CONFIG.equals(mediaType)) {
      return "config";
    }
    if (IN_TOTO.equals(mediaType)) {
      return "attestation";
    }
    return "unknown";
  }
}
