package dev.transferd.plugin.web.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * One HTTP request and its response, with blocking reads and writes for handlers running on their
 * own virtual thread. Confines Jetty's API to the {@code web} packages' edge: handlers read the
 * request and write the answer through this. Not thread-safe: one handler thread owns it.
 */
public final class Exchange {
  private final Request request;
  private final Response response;
  private final Callback callback;
  private Fields query;
  private boolean done;

  public Exchange(Request request, Response response, Callback callback) {
    this.request = request;
    this.response = response;
    this.callback = callback;
  }

  public String method() {
    return request.getMethod();
  }

  public boolean isHead() {
    return request.getMethod().equals("HEAD");
  }

  /** The decoded, normalized path ({@code ..} and ambiguous encodings are refused by Jetty). */
  public String path() {
    return Request.getPathInContext(request);
  }

  /** A query parameter, or null. */
  public String query(String name) {
    if (query == null) {
      query = Request.extractQueryParameters(request);
    }
    return query.getValue(name);
  }

  /** The request header, or null. */
  public String header(String name) {
    return request.getHeaders().get(name);
  }

  /** Every value of a header, split at commas. */
  public List<String> headerValues(String name) {
    return request.getHeaders().getFields(name).stream()
        .map(HttpField::getValues)
        .flatMap(java.util.Arrays::stream)
        .map(String::strip)
        .toList();
  }

  /** The request body as it arrives; never buffered whole. */
  public InputStream body() {
    return Content.Source.asInputStream(request);
  }

  /** The declared body length, or -1. */
  public long contentLength() {
    return request.getLength();
  }

  public Exchange status(int status) {
    response.setStatus(status);
    return this;
  }

  public Exchange header(String name, String value) {
    response.getHeaders().put(name, value);
    return this;
  }

  public Exchange contentLength(long length) {
    response.getHeaders().put("Content-Length", Long.toString(length));
    return this;
  }

  /** Sends {@code body} (or only its length, for HEAD) and completes the exchange. */
  public void send(int status, String contentType, byte[] body) throws IOException {
    status(status);
    header("Content-Type", contentType);
    contentLength(body.length);
    finish(isHead() ? null : ByteBuffer.wrap(body));
  }

  public void sendText(int status, String contentType, String body) throws IOException {
    send(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends the headers set so far and no body. */
  public void sendEmpty(int status) throws IOException {
    status(status);
    finish(null);
  }

  /** Writes part of the body and waits until it is handed to the network. */
  public void write(ByteBuffer buffer) throws IOException {
    try (Blocker.Callback blocker = Blocker.callback()) {
      response.write(false, buffer, blocker);
      blocker.block();
    }
  }

  /** Writes the last part (may be null) and completes the exchange. */
  public void finish(ByteBuffer last) throws IOException {
    try (Blocker.Callback blocker = Blocker.callback()) {
      response.write(true, last, blocker);
      blocker.block();
    }
    complete();
  }

  /**
   * The response body as a stream; closing it completes the exchange. For bodies of unknown length
   * (archive downloads, event streams).
   */
  public OutputStream bodyStream() {
    OutputStream out = Content.Sink.asOutputStream(response);
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          complete();
        }
      }
    };
  }

  /** Whether the response has been committed (headers sent). */
  public boolean committed() {
    return response.isCommitted();
  }

  /** Marks the exchange done; idempotent. */
  public void complete() {
    if (!done) {
      done = true;
      callback.succeeded();
    }
  }

  /** Fails the exchange (the connection is closed if the response was committed). */
  public void fail(Throwable cause) {
    if (!done) {
      done = true;
      callback.failed(cause);
    }
  }
}
