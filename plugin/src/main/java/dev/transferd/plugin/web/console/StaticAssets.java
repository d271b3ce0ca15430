package dev.transferd.plugin.web.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * The console's pages, styles and scripts, read once from the jar ({@code assets/} beside this
 * class): plain HTML, CSS and JavaScript, no external fonts, scripts or CDNs, nothing to build.
 */
final class StaticAssets {
  record Asset(String contentType, byte[] bytes) {}

  private static final Map<String, String> FILES =
      Map.of(
          "/", "index.html",
          "/assets/app.css", "app.css",
          "/assets/app.js", "app.js",
          "/assets/favicon.svg", "favicon.svg");

  private final Map<String, Asset> assets;

  StaticAssets() {
    java.util.HashMap<String, Asset> loaded = new java.util.HashMap<>();
    FILES.forEach((path, file) -> loaded.put(path, load(file)));
    assets = Map.copyOf(loaded);
  }

  Optional<Asset> get(String path) {
    return Optional.ofNullable(assets.get(path));
  }

  private static Asset load(String file) {
    try (InputStream in = StaticAssets.class.getResourceAsStream("assets/" + file)) {
      if (in == null) {
        throw new IllegalStateException("console asset " + file + " is missing from the jar");
      }
      String type =
          switch (file.substring(file.lastIndexOf('.') + 1)) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> "application/octet-stream";
          };
      return new Asset(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
