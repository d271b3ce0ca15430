package dev.transferd.plugin.web.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.plugin.web.http.Exchange;
import dev.transferd.streams.client.ExportArchive;
import dev.transferd.streams.client.StoredImage;
import dev.transferd.streams.client.TransferClient;
import dev.transferd.streams.client.TransferOptions;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: one page (plain HTML, CSS and JavaScript from the jar) and the JSON API it
 * calls. Reads go to the store; every change (upload, tag, delete) and every export runs through
 * the daemon's own Transfer service or image store, as a client would. Every response carries a
 * strict Content-Security-Policy (scripts and styles from this server only, no inline code, no
 * framing); every state-changing request must pass the {@link CsrfGuard}.
 *
 * <pre>
 * GET  /                      the page          GET  /api/session   CSRF token, namespace
 * GET  /api/images?filter=&amp;sort=&amp;page=&amp;per=     GET  /api/image?name=
 * GET  /api/operations        running and recent transfers
 * GET  /api/export?name=&amp;format=docker|oci   the archive, streamed
 * POST /api/upload?file=&amp;name=&amp;op=  body: the archive (.tar, .tar.gz, .tar.zst)
 *      &amp;registry=REF&amp;plainHttp=1   push it there instead (X-Registry-Username/-Password)
 * POST /api/tag?source=&amp;target=       POST /api/delete?name=
 * POST /api/pull?op=, /api/push?op=  body: {ref, name, plainHttp, username, password}
 * GET  /api/events?op=        server-sent events: the operation's state until it ends
 * </pre>
 */
public final class Console implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Console.class);
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Store store;
  private final String namespace;
  private final Path socket;
  private final StaticAssets assets = new StaticAssets();
  private final CsrfGuard csrf = new CsrfGuard();
  private final Operations operations = new Operations();
  private final ImageCatalog catalog;
  private final Uploads uploads;
  private final RegistryTransfers registries;

  public Console(Store store, String namespace, Path ttrpcSocket, long maxUploadBytes) {
    this.store = store;
    this.namespace = namespace;
    this.socket = ttrpcSocket;
    this.catalog = new ImageCatalog(store, namespace);
    this.uploads = new Uploads(ttrpcSocket, namespace, maxUploadBytes);
    this.registries = new RegistryTransfers(ttrpcSocket, namespace);
  }

  public void handle(Exchange ex) throws IOException {
    ex.header("Content-Security-Policy", CSP);
    ex.header("X-Content-Type-Options", "nosniff");
    ex.header("X-Frame-Options", "DENY");
    ex.header("Referrer-Policy", "no-referrer");
    ex.header("Cache-Control", "no-store");
    String path = ex.path();
    String method = ex.method();
    boolean read = method.equals("GET") || ex.isHead();
    if (read) {
      Optional<StaticAssets.Asset> asset = assets.get(path);
      if (asset.isPresent()) {
        ex.send(200, asset.get().contentType(), asset.get().bytes());
        return;
      }
      switch (path) {
        case "/api/session" ->
            json(ex, 200, Map.of("csrf", csrf.token(ex), "namespace", namespace));
        case "/api/images" ->
            json(
                ex,
                200,
                catalog.list(
                    ex.query("filter"),
                    ex.query("sort"),
                    number(ex.query("page"), 1),
                    number(ex.query("per"), 50)));
        case "/api/image" -> {
          Optional<ObjectNode> detail = catalog.detail(String.valueOf(ex.query("name")));
          if (detail.isEmpty()) {
            error(ex, 404, "no image named " + ex.query("name"));
          } else {
            json(ex, 200, detail.get());
          }
        }
        case "/api/operations" -> json(ex, 200, Map.of("operations", operations.views()));
        case "/api/export" -> export(ex);
        case "/api/events" -> events(ex);
        default -> error(ex, 404, "no such page: " + path);
      }
      return;
    }
    if (!method.equals("POST")) {
      ex.header("Allow", "GET, HEAD, POST");
      error(ex, 405, method + " is not used by the console");
      return;
    }
    String refusal = csrf.refusal(ex);
    if (refusal != null) {
      error(ex, 403, refusal);
      return;
    }
    switch (path) {
      case "/api/upload" -> upload(ex);
      case "/api/tag" -> tag(ex);
      case "/api/delete" -> delete(ex);
      case "/api/pull", "/api/push" -> registry(ex, path.equals("/api/pull"));
      default -> error(ex, 404, "no such action: " + path);
    }
  }

  private void upload(Exchange ex) throws IOException {
    String file = fileName(ex.query("file"));
    String name = ex.query("name");
    String registry = ex.query("registry");
    Operations.Operation op = operations.start(ex.query("op"), "upload", file);
    Uploads.Result result;
    if (registry != null && !registry.isBlank()) {
      // credentials come in headers (the body is the archive); never logged or echoed
      RegistryTransfers.Request target =
          new RegistryTransfers.Request(
              registry.strip(),
              "",
              "1".equals(ex.query("plainHttp")),
              orEmpty(ex.header("X-Registry-Username")),
              orEmpty(ex.header("X-Registry-Password")));
      result = uploads.runToRegistry(ex, op, file, target);
    } else {
      result = uploads.run(ex, op, file, name);
    }
    if (result.error() == null) {
      op.end("done", "stored " + String.join(", ", result.names()));
      json(ex, 200, Map.of("ok", true, "names", result.names(), "bytes", op.bytes.get()));
    } else {
      op.end("failed", result.error());
      log.info("web upload of {} refused: {}", file, result.error());
      ex.header("Connection", "close"); // the rest of a refused body is not read
      json(ex, result.status(), Map.of("ok", false, "error", result.error()));
    }
  }

  private void tag(Exchange ex) throws IOException {
    String source = ex.query("source");
    String target = ex.query("target");
    if (source == null || target == null || target.isBlank()) {
      error(ex, 400, "tag needs source and target");
      return;
    }
    String name;
    try {
      name = Uploads.destination(target).name();
    } catch (IllegalArgumentException e) {
      error(ex, 400, "\"" + target + "\" is not an image name: " + e.getMessage());
      return;
    }
    Operations.Operation op = operations.start(null, "tag", source + " -> " + name);
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket)) {
      client(ttrpc).transfer(StoredImage.named(source), StoredImage.named(name));
      op.end("done", "tagged " + name);
      json(ex, 200, Map.of("ok", true, "name", name));
    } catch (TtrpcException e) {
      op.end("failed", e.status().message());
      error(
          ex,
          e.code() == dev.transferd.ttrpc.StatusCode.NOT_FOUND ? 404 : 400,
          e.status().message());
    }
  }

  private void registry(Exchange ex, boolean pull) throws IOException {
    RegistryTransfers.Request request;
    try {
      request = RegistryTransfers.Request.read(ex.body());
    } catch (IOException e) {
      error(ex, 400, e.getMessage());
      return;
    }
    if (request.ref().isEmpty() || (!pull && request.name().isEmpty())) {
      error(ex, 400, pull ? "pull needs ref" : "push needs name and ref");
      return;
    }
    Operations.Operation op =
        operations.start(
            ex.query("op"),
            pull ? "pull" : "push",
            pull ? request.ref() : request.name() + " -> " + request.ref());
    try {
      if (pull) {
        String stored = registries.pull(request, op);
        op.end("done", "stored " + stored);
        json(ex, 200, Map.of("ok", true, "name", stored, "op", op.id));
      } else {
        registries.push(request, op);
        op.end("done", "pushed " + request.ref());
        json(ex, 200, Map.of("ok", true, "op", op.id));
      }
    } catch (IOException e) {
      op.end("failed", e.getMessage());
      error(
          ex, 502, (pull ? "pull of " : "push to ") + request.ref() + " failed: " + e.getMessage());
    }
  }

  /**
   * Server-sent events for one operation: its view whenever it changes (at least every 15 s, so
   * proxies keep the stream open), until it has ended. Waits up to 10 s for an operation the page
   * is about to start.
   */
  private void events(Exchange ex) throws IOException {
    String id = ex.query("op");
    Operations.Operation op = null;
    long deadline = System.currentTimeMillis() + 10_000;
    try {
      while ((op = operations.get(id)) == null && System.currentTimeMillis() < deadline) {
        operations.awaitStart(deadline - System.currentTimeMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (op == null) {
      error(ex, 404, "no operation " + id);
      return;
    }
    ex.status(200);
    ex.header("Content-Type", "text/event-stream");
    try (OutputStream out = ex.bodyStream()) {
      long seen = -1;
      while (true) {
        boolean ended = op.ended != null;
        out.write(
            ("data: " + JSON.writeValueAsString(op.view()) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (ended) {
          break;
        }
        seen = op.awaitChange(seen, 15_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void delete(Exchange ex) throws IOException {
    String name = ex.query("name");
    try {
      store.images().delete(namespace, String.valueOf(name));
      operations.start(null, "delete", name).end("done", "deleted " + name);
      json(ex, 200, Map.of("ok", true));
    } catch (StoreException e) {
      error(ex, 404, e.getMessage());
    }
  }

  private void export(Exchange ex) throws IOException {
    String name = ex.query("name");
    boolean oci = "oci".equals(ex.query("format"));
    if (name == null || store.images().get(namespace, name).isEmpty()) {
      error(ex, 404, "no image named " + name);
      return;
    }
    Operations.Operation op = operations.start(null, "export", name);
    String file = name.replaceAll("[^A-Za-z0-9._-]+", "_") + (oci ? ".oci.tar" : ".tar");
    ex.status(200);
    ex.header("Content-Type", "application/x-tar");
    ex.header("Content-Disposition", "attachment; filename=\"" + file + "\"");
    try (TtrpcClient ttrpc = TtrpcClient.connect(socket);
        OutputStream out = ex.bodyStream()) {
      OutputStream counted =
          new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              out.write(b, off, len);
              op.bytes.addAndGet(len);
            }
          };
      client(ttrpc)
          .transfer(
              StoredImage.named(name),
              new ExportArchive(counted, "", List.of(), true, oci, false),
              TransferOptions.withProgress(e -> op.event = e.event()));
      counted.flush();
      op.end("done", "exported " + op.bytes.get() + " bytes");
    } catch (TtrpcException | IOException e) {
      op.end("failed", e.getMessage());
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
  }

  private TransferClient client(TtrpcClient ttrpc) {
    return TransferClient.builder(ttrpc).namespace(namespace).build();
  }

  private static String fileName(String file) {
    if (file == null || file.isBlank()) {
      return "the archive";
    }
    String base = file.substring(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
    return base.length() > 200 ? base.substring(0, 200) : base;
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static int number(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static void json(Exchange ex, int status, Object body) throws IOException {
    ex.send(status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void error(Exchange ex, int status, String message) throws IOException {
    json(ex, status, Map.of("ok", false, "error", message));
  }

  @Override
  public void close() {}
}
