package dev.transferd.plugin.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.web.images.ImageTree;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The images page's data: containerd's {@code ctr images ls} columns (name, digest, size,
 * platforms, created, labels), filtered, sorted and paged, and one image's detail. Sizes and
 * platforms come from the image's tree; content is immutable, so trees are cached by the target's
 * digest (bounded). Thread-safe.
 */
final class ImageCatalog {
  static final int MAX_PAGE = 500;
  private static final int CACHE_SIZE = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Store store;
  private final String namespace;
  private final Map<String, ImageTree> trees = new ConcurrentHashMap<>();

  ImageCatalog(Store store, String namespace) {
    this.store = store;
    this.namespace = namespace;
  }

  private ImageTree tree(Image image) throws IOException {
    String digest = image.target().getDigest();
    ImageTree tree = trees.get(digest);
    if (tree == null) {
      tree = ImageTree.read(store.content(), namespace, image.target());
      if (trees.size() >= CACHE_SIZE) {
        trees.clear();
      }
      trees.put(digest, tree);
    }
    return tree;
  }

  /**
   * A page of images whose name contains {@code filter} (case-insensitive), sorted by {@code sort}
   * ({@code name}, {@code created} or {@code size}; {@code -} in front for descending).
   */
  ObjectNode list(String filter, String sort, int page, int perPage) throws IOException {
    String needle = filter == null ? "" : filter.strip().toLowerCase(Locale.ROOT);
    List<Image> matching =
        store.images().list(namespace, List.of()).stream()
            .filter(i -> i.name().toLowerCase(Locale.ROOT).contains(needle))
            .toList();
    record Row(Image image, ImageTree tree) {}
    List<Row> rows = new java.util.ArrayList<>();
    for (Image image : matching) {
      rows.add(new Row(image, tree(image)));
    }
    String key = sort == null || sort.isEmpty() ? "name" : sort;
    boolean descending = key.startsWith("-");
    Comparator<Row> order =
        switch (descending ? key.substring(1) : key) {
          case "created" -> Comparator.comparing(r -> r.image().createdAt());
          case "size" -> Comparator.comparingLong(r -> r.tree().size());
          default -> Comparator.comparing(r -> r.image().name());
        };
    rows.sort(descending ? order.reversed() : order);
    int per = Math.max(1, Math.min(perPage, MAX_PAGE));
    int pages = Math.max(1, (rows.size() + per - 1) / per);
    int current = Math.max(1, Math.min(page, pages));
    ObjectNode out = JSON.createObjectNode();
    out.put("total", rows.size()).put("page", current).put("pages", pages).put("perPage", per);
    ArrayNode list = out.putArray("images");
    for (Row r : rows.subList((current - 1) * per, Math.min(rows.size(), current * per))) {
      ObjectNode o = list.addObject();
      o.put("name", r.image().name());
      o.put("digest", r.image().target().getDigest());
      o.put("mediaType", r.image().target().getMediaType());
      o.put("size", r.tree().size());
      r.tree().platforms().forEach(o.putArray("platforms")::add);
      o.put("created", String.valueOf(r.image().createdAt()));
      ObjectNode labels = o.putObject("labels");
      r.image().labels().forEach(labels::put);
    }
    return out;
  }

  /** One image: its target, manifests with platforms, config summaries and layers. */
  Optional<ObjectNode> detail(String name) throws IOException {
    Optional<Image> found = store.images().get(namespace, name);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Image image = found.get();
    ImageTree tree = tree(image);
    ObjectNode out = JSON.createObjectNode();
    out.put("name", image.name());
    out.put("digest", image.target().getDigest());
    out.put("mediaType", image.target().getMediaType());
    out.put("size", tree.size());
    out.put("created", String.valueOf(image.createdAt()));
    ObjectNode labels = out.putObject("labels");
    image.labels().forEach(labels::put);
    out.put(
        "document",
        ImageTree.document(store.content(), namespace, image.target().getDigest())
            .toPrettyString());
    ArrayNode manifests = out.putArray("manifests");
    for (ImageTree.Manifest m : tree.manifests()) {
      ObjectNode o = manifests.addObject();
      o.put("digest", m.self().digest());
      o.put("mediaType", m.self().mediaType());
      o.put("platform", m.platform());
      o.put("present", m.self().present());
      if (m.config().present()) {
        o.set(
            "config", summary(ImageTree.document(store.content(), namespace, m.config().digest())));
      }
      ArrayNode layers = o.putArray("layers");
      for (ImageTree.Blob l : m.layers()) {
        layers
            .addObject()
            .put("digest", l.digest())
            .put("size", l.size())
            .put("mediaType", l.mediaType());
      }
    }
    return Optional.of(out);
  }

  /** The parts of an image config a person looks at. */
  private static ObjectNode summary(JsonNode config) {
    ObjectNode s = JSON.createObjectNode();
    JsonNode c = config.path("config");
    s.put("created", config.path("created").asText());
    s.put("author", config.path("author").asText());
    s.set("entrypoint", c.path("Entrypoint"));
    s.set("cmd", c.path("Cmd"));
    s.put("workingDir", c.path("WorkingDir").asText());
    s.put("user", c.path("User").asText());
    s.set("env", c.path("Env"));
    s.set("exposedPorts", c.path("ExposedPorts"));
    s.set("labels", c.path("Labels"));
    s.put("layers", config.path("rootfs").path("diff_ids").size());
    return s;
  }
}
