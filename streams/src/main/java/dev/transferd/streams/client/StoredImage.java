package dev.transferd.streams.client;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.ImageStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Images in the server's image store ({@code containerd.types.transfer.ImageStore}): the
 * destination of a pull or import, the source of a push or export, either end of a tag.
 *
 * @param name the primary image name; may be "" when extra references name the images
 * @param labels labels of the image records created
 * @param platforms which platforms to fetch, store, push or export; empty for all
 * @param allMetadata fetch manifests and configs of other platforms too
 * @param manifestLimit at most this many manifests per index; 0 for no limit
 */
public record StoredImage(
    String name,
    Map<String, String> labels,
    List<Platform> platforms,
    boolean allMetadata,
    int manifestLimit,
    List<ImageReference> extraReferences,
    List<Unpack> unpacks)
    implements TransferSource, TransferDestination {

  public StoredImage {
    Objects.requireNonNull(name, "name");
    labels = Map.copyOf(labels);
    platforms = List.copyOf(platforms);
    extraReferences = List.copyOf(extraReferences);
    unpacks = List.copyOf(unpacks);
    if (manifestLimit < 0) {
      throw new IllegalArgumentException("manifestLimit must not be negative: " + manifestLimit);
    }
  }

  /** The image called {@code name}, all platforms, no labels. */
  public static StoredImage named(String name) {
    return new StoredImage(name, Map.of(), List.of(), false, 0, List.of(), List.of());
  }

  public StoredImage withLabel(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(labels);
    more.put(key, value);
    return new StoredImage(
        name, more, platforms, allMetadata, manifestLimit, extraReferences, unpacks);
  }

  public StoredImage withPlatforms(Platform... only) {
    return new StoredImage(
        name, labels, List.of(only), allMetadata, manifestLimit, extraReferences, unpacks);
  }

  public StoredImage withAllMetadata(boolean all) {
    return new StoredImage(name, labels, platforms, all, manifestLimit, extraReferences, unpacks);
  }

  public StoredImage withManifestLimit(int limit) {
    return new StoredImage(name, labels, platforms, allMetadata, limit, extraReferences, unpacks);
  }

  public StoredImage withExtraReference(ImageReference reference) {
    List<ImageReference> more = new ArrayList<>(extraReferences);
    more.add(reference);
    return new StoredImage(name, labels, platforms, allMetadata, manifestLimit, more, unpacks);
  }

  public StoredImage withUnpack(Unpack unpack) {
    List<Unpack> more = new ArrayList<>(unpacks);
    more.add(unpack);
    return new StoredImage(
        name, labels, platforms, allMetadata, manifestLimit, extraReferences, more);
  }

  Any marshal() {
    ImageStore.Builder b =
        ImageStore.newBuilder()
            .setName(name)
            .putAllLabels(labels)
            .setAllMetadata(allMetadata)
            .setManifestLimit(manifestLimit);
    platforms.forEach(p -> b.addPlatforms(p.toProto()));
    extraReferences.forEach(r -> b.addExtraReferences(r.toProto()));
    unpacks.forEach(u -> b.addUnpacks(u.toProto()));
    return AnyCodec.pack(b.build());
  }
}
