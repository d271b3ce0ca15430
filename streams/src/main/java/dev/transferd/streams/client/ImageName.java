package dev.transferd.streams.client;

import java.util.regex.Pattern;

/**
 * A Docker-style image reference, normalized: {@code alpine} is {@code docker.io/library/alpine},
 * {@code index.docker.io/x/y} is {@code docker.io/x/y}. The grammar is that of the distribution
 * project's reference package (lowercase path components, tags of at most 128 word characters,
 * {@code algorithm:hex} digests), which is what containerd's importer applies to {@code RepoTags}
 * and what {@code docker save} writes back as familiar names.
 *
 * @param domain the registry host, e.g. {@code docker.io} or {@code localhost:5000}
 * @param path the repository path, e.g. {@code library/alpine}
 * @param tag the tag, or "" when there is none
 * @param digest the digest, or "" when there is none
 */
public record ImageName(String domain, String path, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
              + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
              + "(?::[0-9]+)?|\\[[a-fA-F0-9:]+\\](?::[0-9]+)?");
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
  private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");
  private static final int MAX_NAME_LENGTH = 255;

  /**
   * Parses {@code ref} and fills in Docker Hub's defaults (containerd's {@code
   * ParseNormalizedNamed}); no tag is added.
   *
   * @throws IllegalArgumentException naming {@code ref} and what is wrong with it
   */
  public static ImageName parse(String ref) {
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("image reference is empty");
    }
    String rest = ref;
    String digest = "";
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw bad(ref, "invalid digest \"" + digest + "\"");
      }
    }
    String tag = "";
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw bad(ref, "invalid tag \"" + tag + "\"");
      }
    }
    if (IMAGE_ID.matcher(rest).matches()) {
      throw bad(ref, "a 64-character hexadecimal image id is not a repository name");
    }
    String domain;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? "" : rest.substring(0, slash);
    if (slash < 0
        || (first.chars().noneMatch(c -> c == '.' || c == ':')
            && !first.equals("localhost")
            && first.toLowerCase(java.util.Locale.ROOT).equals(first))) {
      domain = DOCKER_HUB;
      path = rest;
    } else {
      domain = first;
      path = rest.substring(slash + 1);
    }
    if (domain.equals("index.docker.io")) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    if (!DOMAIN.matcher(domain).matches()) {
      throw bad(ref, "invalid registry host \"" + domain + "\"");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw bad(
            ref,
            component.toLowerCase(java.util.Locale.ROOT).equals(component)
                ? "invalid repository path component \"" + component + "\""
                : "repository name must be lowercase");
      }
    }
    if (domain.length() + 1 + path.length() > MAX_NAME_LENGTH) {
      throw bad(ref, "repository name longer than " + MAX_NAME_LENGTH + " characters");
    }
    return new ImageName(domain, path, tag, digest);
  }

  /**
   * The normalized reference containerd's importer stores for a {@code RepoTags} entry ({@code
   * ParseDockerRef}): {@code :latest} added when there is neither tag nor digest, the tag dropped
   * when there is a digest.
   */
  public static String normalize(String ref) {
    ImageName name = parse(ref);
    if (!name.digest.isEmpty()) {
      return new ImageName(name.domain, name.path, "", name.digest).toString();
    }
    return name.tag.isEmpty()
        ? new ImageName(name.domain, name.path, "latest", "").toString()
        : name.toString();
  }

  /** The repository without tag or digest, e.g. {@code docker.io/library/alpine}. */
  public String repository() {
    return domain + "/" + path;
  }

  /** The short form Docker shows and writes into {@code manifest.json}: {@code alpine:latest}. */
  public String familiar() {
    String repo = repository();
    if (domain.equals(DOCKER_HUB)) {
      repo = path.startsWith("library/") && path.indexOf('/', 8) < 0 ? path.substring(8) : path;
    }
    return repo + suffix();
  }

  private String suffix() {
    return (tag.isEmpty() ? "" : ":" + tag) + (digest.isEmpty() ? "" : "@" + digest);
  }

  @Override
  public String toString() {
    return repository() + suffix();
  }

  private static IllegalArgumentException bad(String ref, String problem) {
    return new IllegalArgumentException("image reference \"" + ref + "\": " + problem);
  }
}
