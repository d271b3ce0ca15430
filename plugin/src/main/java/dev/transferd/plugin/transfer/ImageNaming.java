package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.ImageStore.Write;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.proto.types.transfer.ImageReference;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Which image records an {@code ImageStore} destination makes of a descriptor (containerd's {@code
 * ImageStore.Store}, docs/protocol/transfer.md §8.7), for pull, import and tag. The caller writes
 * all the records of one transfer in one {@link dev.transferd.plugin.store.ImageStore#store} call;
 * every record overwrites (containerd creates, and updates on AlreadyExists).
 *
 * <p>Descriptors an import found in an archive's index carry {@link #REF_SOURCE} and are named from
 * their annotations through the prefix references (case A); everything else gets {@code name} and
 * the extra references (case B). Behaviour is containerd 2.3's: in case B a prefix reference counts
 * only with {@code add_digest}, and extra records of a named image carry {@code
 * containerd.io/gc.bref.image=<name>} and {@code containerd.io/gc.expire=<now>}, so they live only
 * as long as the primary image. Immutable and thread-safe.
 */
final class ImageNaming {
  /** Internal marker on an import's index entries: name them from their annotations. */
  static final String REF_SOURCE = dev.transferd.plugin.archive.ImportWalker.REF_SOURCE;

  /** The full image name an archive records for an index entry. */
  static final String IMAGE_NAME = "io.containerd.image.name";

  /** The OCI ref name: a tag, or a full name. */
  static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

  static final String GC_BACK_REFERENCE = "containerd.io/gc.bref.image";
  static final String GC_EXPIRE = "containerd.io/gc.expire";

  private final ImageStore spec;
  private final Clock clock;

  ImageNaming(ImageStore spec, Clock clock) {
    this.spec = spec;
    this.clock = clock;
  }

  static ImageNaming of(ImageStore spec) {
    return new ImageNaming(spec, Clock.systemUTC());
  }

  /** The primary name; "" when only extra references (or an archive) name the images. */
  String name() {
    return spec.getName();
  }

  Map<String, String> labels() {
    return spec.getLabelsMap();
  }

  /** The platforms to keep; empty for all. */
  List<Platform> platforms() {
    return spec.getPlatformsList();
  }

  /**
   * The records to write for {@code target}, in order, without duplicate names (a later record for
   * the same name wins). Empty when nothing names it; a pull or tag then fails with {@link
   * #noName}, an import skips the descriptor.
   *
   * @throws TtrpcException INVALID_ARGUMENT when {@link #REF_SOURCE} has an unknown value
   */
  List<Write> writesFor(Descriptor target) {
    Map<String, Image> records = new LinkedHashMap<>();
    String refSource = target.getAnnotationsMap().get(REF_SOURCE);
    if (refSource != null) {
      if (!refSource.equals("annotation")) {
        throw new TtrpcException(
            StatusCode.INVALID_ARGUMENT,
            "ref source \"" + refSource + "\" of " + target.getDigest() + " is not supported");
      }
      Descriptor stored = target.toBuilder().removeAnnotations(REF_SOURCE).build();
      nameFromAnnotations(stored, records);
    } else {
      nameFromReferences(target, records);
    }
    List<Write> writes = new ArrayList<>(records.size());
    records.values().forEach(image -> writes.add(new Write(image, true)));
    return writes;
  }

  /** containerd's error when a pull or tag has nothing to name the image by. */
  static TtrpcException noName() {
    return new TtrpcException(StatusCode.NOT_FOUND, "no image name found");
  }

  private void nameFromAnnotations(Descriptor target, Map<String, Image> records) {
    Map<String, String> annotations = target.getAnnotationsMap();
    for (ImageReference ref : spec.getExtraReferencesList()) {
      if (!ref.getIsPrefix()) {
        continue;
      }
      String prefix = ref.getName();
      UnaryOperator<String> translate =
          ref.getAllowOverwrite() ? r -> addPrefix(prefix, r) : r -> filterPrefix(prefix, r);
      String candidate = "";
      String imageName = annotations.get(IMAGE_NAME);
      if (imageName != null && !imageName.isEmpty()) {
        if (imageName.equals(translate.apply(imageName))) {
          candidate = imageName;
        }
      } else {
        String refName = annotations.get(OCI_REF_NAME);
        if (refName != null && !refName.isEmpty()) {
          candidate = translate.apply(refName);
        }
      }
      if (candidate.isEmpty()) {
        if (ref.getAddDigest() && !prefix.isEmpty()) {
          put(records, extraRecord(prefix + "@" + target.getDigest(), target));
        }
        continue;
      }
      put(records, extraRecord(candidate, target));
      if (ref.getAddDigest() && !ref.getSkipNamedDigest() && !prefix.isEmpty()) {
        put(records, extraRecord(prefix + "@" + target.getDigest(), target));
      }
    }
  }

  private void nameFromReferences(Descriptor target, Map<String, Image> records) {
    if (!name().isEmpty()) {
      put(records, new Image(name(), target, labels(), null, null));
    }
    for (ImageReference ref : spec.getExtraReferencesList()) {
      if (ref.getName().isEmpty() || (ref.getIsPrefix() && !ref.getAddDigest())) {
        continue;
      }
      String stored = ref.getAddDigest() ? ref.getName() + "@" + target.getDigest() : ref.getName();
      put(records, extraRecord(stored, target));
    }
  }

  private Image extraRecord(String name, Descriptor target) {
    Map<String, String> labels = labels();
    if (!name().isEmpty()) {
      labels = new HashMap<>(labels);
      labels.put(GC_BACK_REFERENCE, name());
      labels.put(
          GC_EXPIRE,
          DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
    }
    return new Image(name, target, labels, null, null);
  }

  private static void put(Map<String, Image> records, Image image) {
    records.remove(image.name()); // re-insert so the order is that of the last write
    records.put(image.name(), image);
  }

  /**
   * containerd's {@code AddRefPrefix}: full refs unchanged, a bare tag {@code t} is {@code P:t}.
   */
  static String addPrefix(String prefix, String ref) {
    if (prefix.isEmpty()) {
      return "";
    }
    return isFull(ref) ? ref : prefix + ":" + ref;
  }

  /**
   * containerd's {@code FilterRefPrefix}: as {@link #addPrefix}, but full refs outside P are "".
   */
  static String filterPrefix(String prefix, String ref) {
    if (prefix.isEmpty()) {
      return "";
    }
    if (!isFull(ref)) {
      return prefix + ":" + ref;
    }
    if (!ref.startsWith(prefix)) {
      return "";
    }
    if (ref.length() == prefix.length()) {
      return ref;
    }
    char next = ref.charAt(prefix.length());
    return next == '/' || next == ':' || next == '@' ? ref : "";
  }

  private static boolean isFull(String ref) {
    return ref.indexOf('/') >= 0 || ref.indexOf(':') >= 0 || ref.indexOf('@') >= 0;
  }
}
