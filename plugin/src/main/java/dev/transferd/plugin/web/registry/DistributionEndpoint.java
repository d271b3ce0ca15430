package dev.transferd.plugin.web.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.web.http.Exchange;
import dev.transferd.plugin.web.images.ImageTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The read side of the OCI distribution spec over one transferd namespace: {@code /v2/}, manifests
 * by tag and digest, blobs (with Range), {@code tags/list} and {@code _catalog} (with {@code n} /
 * {@code last}). Every write method is {@code 405 UNSUPPORTED}. Repository names map to image names
 * as {@link RepositoryName} says. Manifests are served as stored, byte for byte, with their stored
 * media type; a client whose {@code Accept} excludes it gets {@code 404 MANIFEST_UNKNOWN}, as
 * distribution answers, rather than a type it cannot read. Stateless and thread-safe.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md">OCI
 *     distribution spec</a>
 */
public final class DistributionEndpoint {
  static final String API_VERSION_HEADER = "Docker-Distribution-API-Version";
  static final String DIGEST_HEADER = "Docker-Content-Digest";
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ContentStore content;
  private final ImageStore images;
  private final String namespace;
  private final BlobSender blobs;

  public DistributionEndpoint(ContentStore content, ImageStore images, String namespace) {
    this.content = content;
    this.images = images;
    this.namespace = namespace;
    this.blobs = new BlobSender(content, namespace);
  }

  /** Whether {@code path} is this endpoint's. */
  public static boolean serves(String path) {
    return path.equals("/v2") || path.startsWith("/v2/");
  }

  /** Answers one request under {@code /v2}. */
  public void handle(Exchange ex) throws IOException {
    ex.header(API_VERSION_HEADER, "registry/2.0");
    if (!ex.method().equals("GET") && !ex.isHead()) {
      ex.header("Allow", "GET, HEAD");
      error(ex, RegistryError.UNSUPPORTED, "this registry is read-only: " + ex.method());
      return;
    }
    String rest = ex.path().substring(3);
    if (rest.isEmpty() || rest.equals("/")) {
      ex.sendText(200, "application/json", "{}");
      return;
    }
    rest = rest.substring(1);
    if (rest.equals("_catalog")) {
      catalog(ex);
      return;
    }
    int at;
    if (rest.endsWith("/tags/list")) {
      withRepository(ex, rest.substring(0, rest.length() - "/tags/list".length()), this::tags);
    } else if ((at = rest.lastIndexOf("/manifests/")) > 0) {
      String reference = rest.substring(at + "/manifests/".length());
      withRepository(ex, rest.substring(0, at), (e, repo) -> manifest(e, repo, reference));
    } else if ((at = rest.lastIndexOf("/blobs/")) > 0) {
      String digest = rest.substring(at + "/blobs/".length());
      withRepository(ex, rest.substring(0, at), (e, repo) -> blob(e, repo, digest));
    } else {
      error(ex, RegistryError.NAME_UNKNOWN, "no such endpoint: " + ex.path());
    }
  }

  private interface RepositoryHandler {
    void handle(Exchange ex, Repository repository) throws IOException;
  }

  /** A repository that exists: its images, by name, sorted. */
  private record Repository(RepositoryName name, List<Image> images) {
    Optional<Image> tagged(String tag) {
      String name = this.name.imageName(tag);
      return images.stream().filter(i -> i.name().equals(name)).findFirst();
    }
  }

  private void withRepository(Exchange ex, String path, RepositoryHandler handler)
      throws IOException {
    Optional<RepositoryName> name = RepositoryName.parse(path, ex.query("ns"));
    if (name.isEmpty()) {
      error(ex, RegistryError.NAME_INVALID, "invalid repository name");
      return;
    }
    String prefix = name.get().imagePrefix();
    List<Image> inRepo =
        images.list(namespace, List.of()).stream()
            .filter(i -> repositoryOf(i.name()).equals(prefix))
            .toList();
    if (inRepo.isEmpty()) {
      error(ex, RegistryError.NAME_UNKNOWN, "repository " + prefix + " is not known");
      return;
    }
    handler.handle(ex, new Repository(name.get(), inRepo));
  }

  /** The repository of an image name: the name without its tag or digest. */
  static String repositoryOf(String imageName) {
    int at = imageName.indexOf('@');
    String name = at >= 0 ? imageName.substring(0, at) : imageName;
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      name = name.substring(0, colon);
    }
    return name;
  }

  /** The tag of an image name, or null when it has none (a digest reference). */
  static String tagOf(String imageName) {
    if (imageName.contains("@")) {
      return null;
    }
    int colon = imageName.lastIndexOf(':');
    return colon > imageName.lastIndexOf('/') ? imageName.substring(colon + 1) : null;
  }

  private void manifest(Exchange ex, Repository repo, String reference) throws IOException {
    String digest;
    String mediaType;
    if (DIGEST.matcher(reference).matches()) {
      digest = reference;
      mediaType = null;
      for (Image image : repo.images()) {
        mediaType = ImageTree.read(content, namespace, image.target()).documentTypes().get(digest);
        if (mediaType != null) {
          break;
        }
      }
      if (mediaType == null) {
        error(
            ex, RegistryError.MANIFEST_UNKNOWN, "manifest " + digest + " is not in the repository");
        return;
      }
    } else if (TAG.matcher(reference).matches()) {
      Optional<Image> image = repo.tagged(reference);
      if (image.isEmpty()) {
        error(ex, RegistryError.MANIFEST_UNKNOWN, "tag " + reference + " is not known");
        return;
      }
      digest = image.get().target().getDigest();
      mediaType = image.get().target().getMediaType();
    } else {
      error(ex, RegistryError.MANIFEST_UNKNOWN, "invalid manifest reference");
      return;
    }
    if (!accepts(ex.headerValues("Accept"), mediaType)) {
      error(
          ex,
          RegistryError.MANIFEST_UNKNOWN,
          "the manifest is a " + mediaType + ", which the request's Accept header excludes");
      return;
    }
    if (content.info(namespace, digest).isEmpty()) {
      error(ex, RegistryError.MANIFEST_UNKNOWN, "manifest " + digest + " is not in the store");
      return;
    }
    byte[] body;
    try (InputStream in = content.read(namespace, digest, 0)) {
      body = in.readNBytes(ImageTree.MAX_DOCUMENT);
    }
    ex.header(DIGEST_HEADER, digest);
    ex.header("ETag", "\"" + digest + "\"");
    ex.send(200, mediaType, body);
  }

  /** Whether an {@code Accept} list takes {@code mediaType}; no list takes anything. */
  static boolean accepts(List<String> accept, String mediaType) {
    if (accept.isEmpty()) {
      return true;
    }
    for (String entry : accept) {
      String type = entry.split(";", 2)[0].strip();
      if (type.equals(mediaType) || type.equals("*/*") || type.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private void blob(Exchange ex, Repository repo, String digest) throws IOException {
    if (!DIGEST.matcher(digest).matches()) {
      error(ex, RegistryError.DIGEST_INVALID, "invalid digest: a blob is named sha256:<64 hex>");
      return;
    }
    var info = content.info(namespace, digest);
    if (info.isEmpty()) {
      error(ex, RegistryError.BLOB_UNKNOWN, "blob " + digest + " is not known");
      return;
    }
    blobs.send(ex, digest, info.get().size());
  }

  private void tags(Exchange ex, Repository repo) throws IOException {
    Pagination page = pagination(ex);
    if (page == null) {
      return;
    }
    TreeSet<String> tags = new TreeSet<>();
    for (Image image : repo.images()) {
      String tag = tagOf(image.name());
      if (tag != null) {
        tags.add(tag);
      }
    }
    List<String> sorted = List.copyOf(tags);
    List<String> shown = page.page(sorted);
    String base = ex.path();
    String ns = ex.query("ns");
    ObjectNode body = JSON.createObjectNode();
    body.put("name", ex.path().substring(4, ex.path().length() - "/tags/list".length()));
    shown.forEach(body.putArray("tags")::add);
    sendPage(ex, body, base, ns, page, sorted, shown);
  }

  private void catalog(Exchange ex) throws IOException {
    Pagination page = pagination(ex);
    if (page == null) {
      return;
    }
    TreeSet<String> repositories = new TreeSet<>();
    images.list(namespace, List.of()).forEach(i -> repositories.add(repositoryOf(i.name())));
    List<String> sorted = List.copyOf(repositories);
    List<String> shown = page.page(sorted);
    ObjectNode body = JSON.createObjectNode();
    shown.forEach(body.putArray("repositories")::add);
    sendPage(ex, body, ex.path(), null, page, sorted, shown);
  }

  private void sendPage(
      Exchange ex,
      ObjectNode body,
      String base,
      String ns,
      Pagination page,
      List<String> sorted,
      List<String> shown)
      throws IOException {
    if (page.n() != null && page.hasMore(sorted, shown)) {
      String next =
          base
              + "?n="
              + page.n()
              + "&last="
              + java.net.URLEncoder.encode(shown.get(shown.size() - 1), StandardCharsets.UTF_8)
              + (ns == null ? "" : "&ns=" + java.net.URLEncoder.encode(ns, StandardCharsets.UTF_8));
      ex.header("Link", "<" + next + ">; rel=\"next\"");
    }
    ex.sendText(200, "application/json", body.toString());
  }

  private Pagination pagination(Exchange ex) throws IOException {
    try {
      return Pagination.parse(ex.query("n"), ex.query("last"));
    } catch (NumberFormatException e) {
      error(ex, RegistryError.PAGINATION_NUMBER_INVALID, "n must be a non-negative integer");
      return null;
    }
  }

  static void error(Exchange ex, RegistryError code, String message) throws IOException {
    ex.send(code.status, "application/json", code.body(message));
  }
}
