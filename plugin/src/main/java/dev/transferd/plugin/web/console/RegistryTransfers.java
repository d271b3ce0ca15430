package dev.transferd.plugin.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.RegistryImage;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Pull from a registry and push to one, started from the console. The request body is JSON ({@code
 * ref}, {@code name}, {@code plainHttp}, {@code username}, {@code password}); credentials typed on
 * the page are handed to this one transfer's credential callback only: never stored, logged or
 * echoed back. Progress goes to the operation, per blob.
 */
final class RegistryTransfers {
  /** Most bytes of a request body: a few names and credentials. */
  static final int MAX_BODY = 16 << 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the page asked for. */
  record Request(String ref, String name, boolean plainHttp, String username, String password) {
    static Request read(InputStream body) throws IOException {
      byte[] bytes = body.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        throw new IOException("request body larger than " + MAX_BODY + " bytes");
      }
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new IOException("request body must be a JSON object");
      }
      return new Request(
          n.path("ref").asText("").strip(),
          n.path("name").asText("").strip(),
          n.path("plainHttp").asBoolean(false),
          n.path("username").asText(""),
          n.path("password").asText(""));
    }

    /** The remote image, with the typed credentials for this transfer only. */
    RegistryImage remote() {
      RegistryImage image = RegistryImage.of(ref);
      if (plainHttp) {
        image = image.withDefaultScheme("http");
      }
      if (!username.isEmpty()) {
        Credentials typed = Credentials.basic(username, password);
        image = image.withCredentials((reference, host) -> typed);
      }
      return image;
    }

    @Override
    public String toString() {
      return "Request[ref=" + ref + ", name=" + name + "]"; // never the credentials
    }
  }

  private final Path socket;
  private final String namespace;

  RegistryTransfers(Path socket, String namespace) {
    this.socket = socket;
    this.namespace = namespace;
  }

  /** Pulls {@code request.ref()} and stores it as {@code request.name()} (or the ref). */
  String pull(Request request, Operations.Operation op) throws IOException {
    String stored = request.name().isEmpty() ? request.ref() : request.name();
    run(request.remote(), StoredImage.named(stored), op);
    return stored;
  }

  /** Pushes the local image {@code request.name()} to {@code request.ref()}. */
  void push(Request request, Operations.Operation op) throws IOException {
    run(StoredImage.named(request.name()), request.remote(), op);
  }

  private void run(
      dev.transferd.streams.client.TransferSource source,
      dev.transferd.streams.client.TransferDestination destination,
      Operations.Operation op)
      throws IOException {
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket)) {
      TransferClient.builder(ttrpc)
          .namespace(namespace)
          .build()
          .transfer(
              source,
              destination,
              TransferOptions.withProgress(
                  e -> op.progress(e.event(), e.name(), e.progress(), e.total())));
    } catch (TtrpcException e) {
      throw new IOException(e.status().message(), e);
    }
  }
}
