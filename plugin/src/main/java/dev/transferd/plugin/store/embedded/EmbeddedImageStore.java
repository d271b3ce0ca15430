package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.Filter;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.types.Descriptor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lmdbjava.Txn;

/** Image records per namespace in the metadata database. Thread-safe. */
final class EmbeddedImageStore implements ImageStore {
  private final MetadataDb db;
  private final Runnable afterDelete;

  EmbeddedImageStore(MetadataDb db, Runnable afterDelete) {
    this.db = db;
    this.afterDelete = afterDelete;
  }

  @Override
  public Optional<Image> get(String namespace, String name) {
    NamespaceRules.require(namespace);
    requireName(name);
    byte[] v = db.read(txn -> db.images.get(txn, MetadataDb.key(namespace, name)));
    return Optional.ofNullable(v).map(RecordCodec::decodeImage);
  }

  @Override
  public List<Image> list(String namespace, List<String> filters) {
    NamespaceRules.require(namespace);
    Filter filter = Filter.parseAny(filters);
    List<byte[]> values =
        db.read(txn -> MetadataDb.valuesWithPrefix(db.images, txn, MetadataDb.prefix(namespace)));
    List<Image> out = new ArrayList<>();
    for (byte[] v : values) {
      Image image = RecordCodec.decodeImage(v);
      if (filter.matches(path -> imageField(image, path))) {
        out.add(image);
      }
    }
    out.sort(Comparator.comparing(Image::name));
    return out;
  }

  private static Optional<String> imageField(Image image, List<String> path) {
    String first = path.getFirst();
    if (first.equals("name") && path.size() == 1) {
      return Optional.of(image.name());
    }
    if (first.equals("labels")) {
      return Filter.Fields.label(image.labels(), path.subList(1, path.size()));
    }
    if (first.equals("target") && path.size() >= 2) {
      Descriptor t = image.target();
      return switch (path.get(1)) {
        case "digest" -> Optional.of(t.getDigest());
        case "mediatype" -> Optional.of(t.getMediaType());
        case "size" -> Optional.of(Long.toString(t.getSize()));
        case "annotations" ->
            Filter.Fields.label(t.getAnnotationsMap(), path.subList(2, path.size()));
        default -> Optional.empty();
      };
    }
    return Optional.empty();
  }

  @Override
  public Image create(String namespace, Image image) {
    return store(namespace, List.of(new Write(image, false))).getFirst();
  }

  @Override
  public Image update(String namespace, Image image, List<String> fieldPaths) {
    NamespaceRules.require(namespace);
    requireName(image.name());
    return db.write(
        txn -> {
          byte[] k = MetadataDb.key(namespace, image.name());
          byte[] v = db.images.get(txn, k);
          if (v == null) {
            throw notFound(namespace, image.name());
          }
          Image old = RecordCodec.decodeImage(v);
          Descriptor target = old.target();
          Map<String, String> labels = old.labels();
          if (fieldPaths.isEmpty()) {
            target = image.target();
            labels = image.labels();
          } else {
            List<String> labelPaths = new ArrayList<>();
            for (String path : fieldPaths) {
              if (path.equals("target")) {
                target = image.target();
              } else if (path.equals("labels") || path.startsWith("labels.")) {
                labelPaths.add(path);
              } else if (path.startsWith("annotations")) {
                // containerd keeps annotations on the target descriptor; nothing to do here.
                target = image.target() == null ? target : image.target();
              } else {
                throw StoreException.invalidArgument(
                    "cannot update \"" + path + "\" field on image \"" + image.name() + "\"");
              }
            }
            if (!labelPaths.isEmpty()) {
              labels =
                  EmbeddedContentStore.applyLabelPaths(
                      labels, image.labels(), labelPaths, "image \"" + image.name() + "\"");
            }
          }
          Image updated = new Image(old.name(), target, labels, old.createdAt(), Instant.now());
          validate(updated);
          db.images.put(txn, k, RecordCodec.encode(updated));
          return updated;
        });
  }

  @Override
  public void delete(String namespace, String name) {
    NamespaceRules.require(namespace);
    requireName(name);
    db.write(
        txn -> {
          if (!db.images.delete(txn, MetadataDb.key(namespace, name))) {
            throw notFound(namespace, name);
          }
          return null;
        });
    afterDelete.run();
  }

  @Override
  public List<Image> store(String namespace, List<Write> writes) {
    NamespaceRules.require(namespace);
    Set<String> names = new HashSet<>();
    for (Write w : writes) {
      validate(w.image());
      if (!names.add(w.image().name())) {
        throw StoreException.invalidArgument(
            "image \"" + w.image().name() + "\" is written twice in one store");
      }
    }
    return db.write(txn -> storeAll(txn, namespace, writes));
  }

  private List<Image> storeAll(Txn<byte[]> txn, String namespace, List<Write> writes) {
    db.touchNamespace(txn, namespace);
    Instant now = Instant.now();
    List<Image> out = new ArrayList<>();
    for (Write w : writes) {
      Image image = w.image();
      byte[] k = MetadataDb.key(namespace, image.name());
      byte[] existing = db.images.get(txn, k);
      Instant created = now;
      if (existing != null) {
        if (!w.overwrite()) {
          throw StoreException.alreadyExists(
              "image \"" + image.name() + "\" already exists in namespace " + namespace);
        }
        created = RecordCodec.decodeImage(existing).createdAt();
      }
      Image stored = new Image(image.name(), image.target(), image.labels(), created, now);
      db.images.put(txn, k, RecordCodec.encode(stored));
      out.add(stored);
    }
    return out;
  }

  /** containerd's image validation ({@code validateImage}). */
  static void validate(Image image) {
    requireName(image.name());
    LabelRules.validate(image.labels(), "image \"" + image.name() + "\"");
    Descriptor t = image.target();
    String what = "image \"" + image.name() + "\"";
    if (t == null || t.getDigest().isEmpty()) {
      throw StoreException.invalidArgument(what + ": target digest is required");
    }
    if (!Sha256.isValid(t.getDigest())) {
      throw StoreException.invalidArgument(
          what + ": target digest \"" + t.getDigest() + "\" is not sha256:<64 lowercase hex>");
    }
    if (t.getSize() <= 0) {
      throw StoreException.invalidArgument(what + ": target size must be greater than zero");
    }
    if (t.getMediaType().isEmpty()) {
      throw StoreException.invalidArgument(what + ": target media type is required");
    }
  }

  private static void requireName(String name) {
    if (name == null || name.isEmpty()) {
      throw StoreException.invalidArgument("image name must not be empty");
    }
    if (name.indexOf('\0') >= 0) {
      throw StoreException.invalidArgument("image name must not contain NUL");
    }
  }

  private static StoreException notFound(String namespace, String name) {
    return StoreException.notFound("image \"" + name + "\" not found in namespace " + namespace);
  }
}
