package dev.transferd.plugin.store;

import java.util.Locale;

/**
 * Whether a namespace may take a blob another namespace already holds without sending its bytes
 * (containerd's {@code content_sharing_policy}). Either way the bytes are stored once.
 */
public enum ContentSharingPolicy {
  /**
   * containerd's default: a writer that names the digest (and size, if any) of a blob some
   * namespace holds starts complete, and its commit records the blob with no upload.
   */
  SHARED,
  /**
   * A namespace sees a blob only after a client wrote all its bytes there, except for blobs held by
   * a namespace labelled {@code containerd.io/namespace.shareable=true}.
   */
  ISOLATED;

  /** The label that makes a namespace's blobs shared under {@link #ISOLATED}. */
  public static final String SHAREABLE_LABEL = "containerd.io/namespace.shareable";

  /** containerd's spelling: {@code shared} or {@code isolated}. */
  public static ContentSharingPolicy parse(String value) {
    return switch (value) {
      case "shared" -> SHARED;
      case "isolated" -> ISOLATED;
      default ->
          throw new IllegalArgumentException(
              "content sharing policy must be \"shared\" or \"isolated\", not \"" + value + "\"");
    };
  }

  /** containerd's spelling of this policy. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
