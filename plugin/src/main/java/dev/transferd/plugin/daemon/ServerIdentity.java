package dev.transferd.plugin.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The server's UUID for Introspection, stable per store as containerd's is per root: read from
 * {@code <root>/uuid}, written there on first start.
 */
final class ServerIdentity {
  private ServerIdentity() {}

  static String uuid(Path root) throws IOException {
    Path file = root.resolve("uuid");
    if (Files.exists(file)) {
      String text = Files.readString(file).strip();
      try {
        return UUID.fromString(text).toString();
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " does not hold a UUID: \"" + text + "\"", e);
      }
    }
    String uuid = UUID.randomUUID().toString();
    Path temporary = root.resolve("uuid.tmp");
    Files.writeString(temporary, uuid + "\n");
    Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return uuid;
  }
}
