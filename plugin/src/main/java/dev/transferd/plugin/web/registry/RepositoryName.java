package dev.transferd.plugin.web.registry;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A repository name of a {@code /v2/} request and the image-name prefix it maps to. An image stored
 * as {@code HOST/PATH:TAG} is served as repository {@code HOST/PATH}; a containerd mirror request
 * names the upstream host in {@code ?ns=HOST} and the path alone, so it maps to {@code HOST/PATH}
 * too. Components follow the distribution spec's grammar; the first may be a host with a port.
 * Nothing else gets through, so no name can climb out of its repository ({@code ..}, {@code %2F},
 * empty components).
 */
record RepositoryName(String imagePrefix) {
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern HOST =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?");
  private static final int MAX_LENGTH = 255;

  /**
   * The repository {@code path} names, seen from a client that asked with {@code ns} (null or empty
   * when it did not); empty when the name is not a valid repository name.
   */
  static Optional<RepositoryName> parse(String path, String ns) {
    if (path.isEmpty() || path.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    String[] parts = path.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      boolean host = i == 0 && parts.length > 1 && (ns == null || ns.isEmpty());
      Pattern rule = host ? HOST : COMPONENT;
      if (!rule.matcher(parts[i]).matches()) {
        return Optional.empty();
      }
    }
    if (ns != null && !ns.isEmpty()) {
      if (!HOST.matcher(ns).matches()) {
        return Optional.empty();
      }
      return Optional.of(new RepositoryName(ns + "/" + path));
    }
    return Optional.of(new RepositoryName(path));
  }

  /** The image name of {@code tag} in this repository. */
  String imageName(String tag) {
    return imagePrefix + ":" + tag;
  }
}
