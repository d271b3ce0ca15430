package dev.transferd.plugin.transfer;

import dev.transferd.ttrpc.Status;
import java.time.Duration;
import java.util.Objects;

/**
 * What one Transfer call did, handed to the {@link TransferObserver} when it ends.
 *
 * @param operation pull, push, import, export, tag, echo, copy, or unknown (a pair without an
 *     operation), from the source and destination types as containerd's dispatch table pairs them
 * @param sourceType the source's type name without its package, e.g. {@code OCIRegistry}
 * @param destinationType the destination's, e.g. {@code ImageStore}
 * @param outcome OK or the status the client received
 * @param bytes bytes moved: registry blobs and manifests fetched or uploaded (again, when resumed)
 *     and archive bytes received or sent on byte streams
 */
public record TransferReport(
    String operation,
    String sourceType,
    String destinationType,
    String namespace,
    Status outcome,
    long bytes,
    Duration duration) {
  public TransferReport {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
  }

  /** The operation's name for a source and destination type name (package prefix ignored). */
  public static String operation(String sourceType, String destinationType) {
    return switch (shortType(sourceType) + ">" + shortType(destinationType)) {
      case "OCIRegistry>ImageStore" -> "pull";
      case "ImageStore>OCIRegistry" -> "push";
      case "ImageImportStream>ImageStore" -> "import";
      case "ImageStore>ImageExportStream" -> "export";
      case "ImageStore>ImageStore" -> "tag";
      case "ImageImportStream>ImageExportStream" -> "echo";
      case "OCIRegistry>OCIRegistry" -> "copy";
      default -> "unknown";
    };
  }

  /** {@code types.transfer.OCIRegistry} from any type URL or full name: {@code OCIRegistry}. */
  public static String shortType(String typeUrlOrName) {
    return typeUrlOrName.substring(typeUrlOrName.lastIndexOf('.') + 1);
  }
}
