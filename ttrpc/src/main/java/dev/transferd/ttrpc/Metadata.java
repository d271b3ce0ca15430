package dev.transferd.ttrpc;

import dev.transferd.ttrpc.proto.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Call metadata: an immutable multimap of lowercase keys to ordered values. On the wire each value
 * is one {@code KeyValue}; keys are lowercased when added, because Go's server looks them up
 * lowercase and never normalizes what it receives.
 */
public final class Metadata {
  private static final Metadata EMPTY = new Metadata(Map.of());

  private final Map<String, List<String>> entries;

  private Metadata(Map<String, List<String>> entries) {
    this.entries = entries;
  }

  public static Metadata empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Metadata with one value for each given key. */
  public static Metadata of(String key, String value) {
    return builder().add(key, value).build();
  }

  /** Every value of a key, in the order sent; empty when there is none. */
  public List<String> getAll(String key) {
    return entries.getOrDefault(key.toLowerCase(Locale.ROOT), List.of());
  }

  /** The first value of a key. */
  public Optional<String> get(String key) {
    List<String> values = getAll(key);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
  }

  public Set<String> keys() {
    return entries.keySet();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    entries.forEach((k, v) -> b.entries.put(k, new ArrayList<>(v)));
    return b;
  }

  /** This metadata with the other's values appended after this one's. */
  public Metadata merge(Metadata other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    Builder b = toBuilder();
    other.entries.forEach((k, values) -> values.forEach(v -> b.add(k, v)));
    return b.build();
  }

  static Metadata fromWire(List<KeyValue> pairs) {
    if (pairs.isEmpty()) {
      return EMPTY;
    }
    // Keys are kept as received (lowercased for lookup): a peer's mixed-case key stays reachable.
    // An empty key cannot be looked up or sent back; Go keeps it in its map where no caller asks
    // for it. We drop it rather than fail the call.
    Builder b = new Builder();
    for (KeyValue kv : pairs) {
      if (!kv.getKey().isEmpty()) {
        b.add(kv.getKey(), kv.getValue());
      }
    }
    return b.build();
  }

  void toWire(List<KeyValue> out) {
    entries.forEach(
        (k, values) -> {
          for (String v : values) {
            out.add(KeyValue.newBuilder().setKey(k).setValue(v).build());
          }
        });
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metadata m && m.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return entries.toString();
  }

  /** Builds {@link Metadata}; not thread-safe. */
  public static final class Builder {
    private final Map<String, List<String>> entries = new LinkedHashMap<>();

    private Builder() {}

    /** Appends a value to a key (lowercased). */
    public Builder add(String key, String value) {
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("metadata key must not be empty");
      }
      if (value == null) {
        throw new IllegalArgumentException("metadata value for " + key + " must not be null");
      }
      entries.computeIfAbsent(key.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
      return this;
    }

    /** Replaces a key's values. */
    public Builder set(String key, String... values) {
      remove(key);
      for (String v : values) {
        add(key, v);
      }
      return this;
    }

    public Builder remove(String key) {
      entries.remove(key.toLowerCase(Locale.ROOT));
      return this;
    }

    public Metadata build() {
      if (entries.isEmpty()) {
        return EMPTY;
      }
      Map<String, List<String>> copy = new LinkedHashMap<>();
      entries.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return new Metadata(Collections.unmodifiableMap(copy));
    }
  }
}
