package dev.transferd.plugin.registry;

import java.util.regex.Pattern;

/**
 * A parsed image reference, {@code host[:port]/repository[:tag][@digest]}. A reference whose first
 * path component is not a host (no {@code .} or {@code :}, not {@code localhost}) is a Docker Hub
 * name: host {@code docker.io}, and {@code library/} in front of a one-component repository.
 *
 * @param host the registry host as written in the reference ({@code docker.io}, {@code
 *     127.0.0.1:5000})
 * @param repository the repository path ({@code library/alpine})
 * @param tag the tag, or null
 * @param digest the digest, or null
 */
public record ImageRef(String host, String repository, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern HOST =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\\.?)+(?::[0-9]+)?|\\[[0-9a-fA-F:.]+](?::[0-9]+)?");

  /**
   * Parses {@code reference}.
   *
   * @throws IllegalArgumentException naming the reference and what is wrong with it
   */
  public static ImageRef parse(String reference) {
    if (reference == null || reference.isEmpty()) {
      throw new IllegalArgumentException("empty image reference");
    }
    String rest = reference;
    String digest = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      try {
        Digest.parse(digest);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid image reference " + reference + ": " + e.getMessage());
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException(
            "invalid image reference " + reference + ": bad tag \"" + tag + "\"");
      }
    }
    String host;
    String repository;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash >= 0
        && (first.contains(".")
            || first.contains(":")
            || first.equals("localhost")
            || first.startsWith("["))) {
      host = first;
      repository = rest.substring(slash + 1);
      if (!HOST.matcher(host).matches()) {
        throw new IllegalArgumentException(
            "invalid image reference " + reference + ": bad host \"" + host + "\"");
      }
    } else {
      host = DOCKER_HUB;
      repository = slash < 0 ? "library/" + rest : rest;
    }
    if (host.equals("index.docker.io")) {
      host = DOCKER_HUB;
    }
    for (String component : repository.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException(
            "invalid image reference "
                + reference
                + ": bad repository \""
                + repository
                + "\" (lower-case letters, digits and separators only)");
      }
    }
    if (repository.length() > 255) {
      throw new IllegalArgumentException(
          "invalid image reference " + reference + ": repository longer than 255 characters");
    }
    return new ImageRef(host, repository, tag, digest);
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
