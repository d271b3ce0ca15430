package dev.transferd.plugin.registry;

import dev.transferd.streams.client.ImageName;

/**
 * A parsed image reference, {@code host[:port]/repository[:tag][@digest]}. A reference whose first
 * path component is not a host (no {@code .} or {@code :}, not {@code localhost}) is a Docker Hub
 * name: host {@code docker.io}; a one-component Docker Hub repository gets {@code library/}.
 *
 * @param host the registry host as written in the reference ({@code docker.io}, {@code
 *     127.0.0.1:5000})
 * @param repository the repository path ({@code library/alpine})
 * @param tag the tag, or null
 * @param digest the digest, or null
 */
public record ImageRef(String host, String repository, String tag, String digest) {
  public static final String DOCKER_HUB = ImageName.DOCKER_HUB;

  /**
   * Parses {@code reference} with Docker's normalization, the same as archive names ({@link
   * ImageName#parse}): {@code alpine} and {@code docker.io/alpine} are both {@code
   * docker.io/library/alpine}. A digest must also be one registries serve (sha256, sha512).
   *
   * @throws IllegalArgumentException naming the reference and what is wrong with it
   */
  public static ImageRef parse(String reference) {
    if (reference == null || reference.isEmpty()) {
      throw new IllegalArgumentException("empty image reference");
    }
    ImageName name = ImageName.parse(reference);
    String digest = null;
    if (!name.digest().isEmpty()) {
      digest = name.digest();
      try {
        Digest.parse(digest);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid image reference " + reference + ": " + e.getMessage());
      }
    }
    return new ImageRef(
        name.domain(), name.path(), name.tag().isEmpty() ? null : name.tag(), digest);
  }

  /** What the manifest endpoint is asked for: the digest if there is one, else the tag. */
  public String object() {
    if (digest != null) {
      return digest;
    }
    return tag != null ? tag : "latest";
  }

  /** This reference with {@code digest} in place of its tag and digest. */
  public ImageRef withDigest(String newDigest) {
    return new ImageRef(host, repository, null, newDigest);
  }

  /** The name without tag or digest ({@code host/repository}). */
  public String name() {
    return host + "/" + repository;
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
