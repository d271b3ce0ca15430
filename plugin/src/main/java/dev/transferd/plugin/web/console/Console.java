package dev.transferd.plugin.web.console;

import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.web.auth.Authenticator;
import dev.transferd.plugin.web.http.Exchange;
import java.io.IOException;
import java.nio.file.Path;

/** The web console: pages and their JSON API. */
public final class Console implements AutoCloseable {
  public Console(
      Store store, String namespace, Path ttrpcSocket, long maxUploadBytes, Authenticator auth) {}

  public void handle(Exchange ex) throws IOException {
    ex.sendText(404, "text/plain", "not found\n");
  }

  @Override
  public void close() {}
}
