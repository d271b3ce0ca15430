package dev.transferd.plugin.web.registry;

import dev.transferd.plugin.store.ContentStore;
import dev.transferd.plugin.web.http.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Sends a blob, or the part a {@code Range} header asks for. When the store has the blob as a file,
 * the file is memory-mapped a window at a time and each window handed to the socket as it is: the
 * kernel copies from the page cache into the socket, and no byte passes through the Java heap (the
 * nearest Jetty comes to sendfile; under TLS the bytes are encrypted from the same mapping).
 * Otherwise the store's stream is copied through one buffer.
 */
final class BlobSender {
  /**
   * Bytes mapped at once. Mapped pages count toward the daemon's RSS until the mapping is
   * collected, so windows stay small; 4 MiB keeps writes large enough for full socket buffers.
   */
  static final int WINDOW = 4 << 20;

  private final ContentStore content;
  private final String namespace;

  BlobSender(ContentStore content, String namespace) {
    this.content = content;
    this.namespace = namespace;
  }

  void send(Exchange ex, String digest, long size) throws IOException {
    ex.header(DistributionEndpoint.DIGEST_HEADER, digest);
    ex.header("ETag", "\"" + digest + "\"");
    ex.header("Accept-Ranges", "bytes");
    ex.header("Content-Type", "application/octet-stream");
    long first = 0;
    long length = size;
    int status = 200;
    switch (ByteRange.of(ex.header("Range"), size)) {
      case ByteRange.Whole w -> {}
      case ByteRange.Part p -> {
        first = p.range().first();
        length = p.range().length();
        status = 206;
        ex.header("Content-Range", "bytes " + first + "-" + p.range().last() + "/" + size);
      }
      case ByteRange.Unsatisfiable u -> {
        ex.header("Content-Range", "bytes */" + size);
        ex.header("Content-Type", "application/json");
        byte[] body = RegistryError.RANGE_INVALID.body("range not satisfiable for size " + size);
        ex.send(416, "application/json", body);
        return;
      }
    }
    ex.contentLength(length);
    ex.status(status);
    if (ex.isHead() || length == 0) {
      ex.finish(null);
      return;
    }
    Optional<Path> file = content.file(namespace, digest);
    if (file.isPresent()) {
      sendMapped(ex, file.get(), first, length);
    } else {
      sendStream(ex, digest, first, length);
    }
  }

  private static void sendMapped(Exchange ex, Path file, long first, long length)
      throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long end = first + length;
      for (long at = first; at < end; ) {
        int n = (int) Math.min(WINDOW, end - at);
        ByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, at, n);
        at += n;
        if (at == end) {
          ex.finish(window);
        } else {
          ex.write(window);
        }
      }
    }
  }

  private void sendStream(Exchange ex, String digest, long first, long length) throws IOException {
    try (InputStream in = content.read(namespace, digest, first)) {
      byte[] buffer = new byte[256 << 10];
      long left = length;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException("blob " + digest + " ended " + left + " bytes early");
        }
        left -= n;
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        if (left == 0) {
          ex.finish(chunk);
        } else {
          ex.write(chunk);
        }
      }
    }
  }
}
