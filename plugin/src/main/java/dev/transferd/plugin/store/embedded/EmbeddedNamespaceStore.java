package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.NamespaceStore;
import dev.transferd.plugin.store.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * Namespaces in the metadata database ({@code namespaces}: name → labels), with containerd's rules:
 * names are identifiers, a label set to "" is removed, a namespace is deleted only when it holds no
 * images, blobs, leases or ingests.
 */
final class EmbeddedNamespaceStore implements NamespaceStore {
  private final MetadataDb db;
  private final ContentLayout layout;

  EmbeddedNamespaceStore(MetadataDb db, ContentLayout layout) {
    this.db = db;
    this.layout = layout;
  }

  @Override
  public List<String> list() {
    return db.read(db::namespaceNames);
  }

  @Override
  public Map<String, String> labels(String name) {
    NamespaceRules.require(name);
    return db.read(txn -> db.namespaceLabels(txn, name));
  }

  @Override
  public void create(String name, Map<String, String> labels) {
    NamespaceRules.require(name);
    LabelRules.validate(labels, "namespace " + name);
    db.write(
        txn -> {
          if (db.namespaces.get(txn, MetadataDb.key(name)) != null) {
            throw StoreException.alreadyExists("namespace \"" + name + "\" already exists");
          }
          db.putNamespace(txn, name, withoutEmptyValues(labels));
          return null;
        });
  }

  @Override
  public void setLabels(String name, Map<String, String> changes) {
    NamespaceRules.require(name);
    LabelRules.validate(changes, "namespace " + name);
    db.write(
        txn -> {
          Map<String, String> labels = new HashMap<>(db.namespaceLabels(txn, name));
          changes.forEach(
              (key, value) -> {
                if (value == null || value.isEmpty()) {
                  labels.remove(key);
                } else {
                  labels.put(key, value);
                }
              });
          db.putNamespace(txn, name, labels);
          return null;
        });
  }

  @Override
  public void delete(String name) {
    NamespaceRules.require(name);
    boolean ingests = hasIngests(name);
    db.write(
        txn -> {
          if (db.namespaces.get(txn, MetadataDb.key(name)) == null) {
            throw StoreException.notFound("namespace \"" + name + "\" not found");
          }
          List<String> held = new ArrayList<>();
          addIfAny(held, "images", db.images, txn, name);
          addIfAny(held, "blobs", db.content, txn, name);
          addIfAny(held, "leases", db.leases, txn, name);
          if (ingests) {
            held.add("ingests");
          }
          if (!held.isEmpty()) {
            throw StoreException.failedPrecondition(
                "namespace \""
                    + name
                    + "\" must be empty, but it still has "
                    + String.join(", ", held));
          }
          db.namespaces.delete(txn, MetadataDb.key(name));
          return null;
        });
  }

  private static void addIfAny(
      List<String> held, String what, Dbi<byte[]> dbi, Txn<byte[]> txn, String ns) {
    boolean[] any = {false};
    MetadataDb.forEachWithPrefix(dbi, txn, MetadataDb.prefix(ns), (k, v) -> any[0] = true);
    if (any[0]) {
      held.add(what);
    }
  }

  private boolean hasIngests(String ns) {
    try {
      for (Path dir : layout.ingestDirectories()) {
        Optional<IngestDirectory> ingest = IngestDirectory.read(dir);
        if (ingest.isPresent() && ingest.get().namespace().equals(ns)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new StoreException(
          dev.transferd.ttrpc.StatusCode.INTERNAL, "list ingests: " + e.getMessage(), e);
    }
  }

  private static Map<String, String> withoutEmptyValues(Map<String, String> labels) {
    Map<String, String> out = new HashMap<>();
    labels.forEach(
        (k, v) -> {
          if (v != null && !v.isEmpty()) {
            out.put(k, v);
          }
        });
    return out;
  }
}
