package dev.transferd.plugin.web.console;

import dev.transferd.plugin.registry.ImageRef;
import dev.transferd.plugin.web.http.Exchange;
import dev.transferd.streams.client.ImageReference;
import dev.transferd.streams.client.ImportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A console upload: the request body streams straight into an import through the daemon's own
 * Transfer service (no buffering of the whole archive, no copy on disk but the store's), with the
 * page's rules on top of the importer's own validation:
 *
 * <ul>
 *   <li>the body is capped while it streams ({@code max_upload_size});
 *   <li>every image is stored under the name its archive gives it; an archive that names none (a
 *       {@code docker save IMAGE_ID}) is refused unless the page sent a name, which then names the
 *       archive's root (and is the repository for an OCI archive's bare tags);
 *   <li>the importer checks the rest (entry types, layers against diff_ids, JSON bounds, one atomic
 *       commit of all names: a failed upload names nothing).
 * </ul>
 */
final class Uploads {
  /** The outcome the page shows. */
  record Result(int status, List<String> names, String error) {}

  private final Path socket;
  private final String namespace;
  private final long cap;

  Uploads(Path socket, String namespace, long cap) {
    this.socket = socket;
    this.namespace = namespace;
    this.cap = cap;
  }

  /**
   * Streams the body into a push of its one image to {@code registry} (with the typed credentials,
   * for this transfer only) instead of the local store.
   */
  Result runToRegistry(
      Exchange ex, Operations.Operation op, String file, RegistryTransfers.Request registry) {
    long declared = ex.contentLength();
    op.total = declared;
    if (declared > cap) {
      return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
    }
    CappedInput body = new CappedInput(ex.body(), cap, op.bytes);
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket);
        InputStream in = body) {
      TransferClient.builder(ttrpc)
          .namespace(namespace)
          .build()
          .transfer(
              ImportArchive.from(in),
              registry.remote(),
              TransferOptions.withProgress(e -> op.event = e.event()));
    } catch (TtrpcException e) {
      if (body.exceeded()) {
        return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
      }
      return new Result(422, List.of(), UploadFailures.sentence(file, e.status().message()));
    } catch (IOException | RuntimeException e) {
      if (body.exceeded()) {
        return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
      }
      return new Result(
          502, List.of(), file + " was not pushed to " + registry.ref() + ": " + e.getMessage());
    }
    return new Result(200, List.of(registry.ref()), null);
  }

  Result run(Exchange ex, Operations.Operation op, String file, String typedName) {
    long declared = ex.contentLength();
    op.total = declared;
    if (declared > cap) {
      return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
    }
    StoredImage destination;
    try {
      destination = destination(typedName);
    } catch (IllegalArgumentException e) {
      return new Result(
          400, List.of(), "\"" + typedName + "\" is not an image name: " + e.getMessage() + ".");
    }
    List<String> names = new CopyOnWriteArrayList<>();
    CappedInput body = new CappedInput(ex.body(), cap, op.bytes);
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket);
        InputStream in = body) {
      TransferClient.builder(ttrpc)
          .namespace(namespace)
          .build()
          .transfer(
              ImportArchive.from(in),
              destination,
              TransferOptions.withProgress(
                  e -> {
                    op.event = e.event();
                    if (e.event().equals("saved") && !e.name().isEmpty()) {
                      names.add(e.name());
                    }
                  }));
    } catch (TtrpcException e) {
      if (body.exceeded()) {
        return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
      }
      return new Result(422, List.of(), UploadFailures.sentence(file, e.status().message()));
    } catch (IOException | RuntimeException e) {
      if (body.exceeded()) {
        return new Result(413, List.of(), UploadFailures.tooLarge(file, cap));
      }
      return new Result(
          400,
          List.of(),
          file + " did not arrive whole (" + e.getMessage() + "); upload it again.");
    }
    if (names.isEmpty()) {
      return new Result(422, List.of(), UploadFailures.untagged(file));
    }
    return new Result(200, List.copyOf(names), null);
  }

  /** Where the archive's images go: named as the archive says, plus the typed name if any. */
  static StoredImage destination(String typedName) {
    if (typedName == null || typedName.isBlank()) {
      return StoredImage.named("")
          .withExtraReference(new ImageReference("upload", true, true, false, false));
    }
    ImageRef ref = ImageRef.parse(typedName.strip());
    if (ref.digest() != null) {
      throw new IllegalArgumentException("give a tag, not a digest");
    }
    String name = ref.name() + ":" + (ref.tag() == null ? "latest" : ref.tag());
    return StoredImage.named(name)
        .withExtraReference(new ImageReference(ref.name(), true, true, false, false));
  }
}
