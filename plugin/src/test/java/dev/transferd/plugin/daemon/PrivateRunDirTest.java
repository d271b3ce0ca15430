package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback socket directory ({@code /tmp/transferd-UID}) is used only when it is the user's
 * own: anyone can create that name in /tmp first.
 */
class PrivateRunDirTest {
  @TempDir Path tmp;

  private final int uid = DefaultLocations.currentUid();

  @Test
  void aMissingDirectoryIsCreatedForTheUserAlone() throws Exception {
    Path dir = tmp.resolve("transferd-x");
    DefaultLocations.requirePrivate(dir, uid);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    DefaultLocations.requirePrivate(dir, uid); // and accepted on the next start
  }

  @Test
  void aDirectoryOthersMayWriteToIsRefused() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("transferd-x"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e =
        assertThrows(IOException.class, () -> DefaultLocations.requirePrivate(dir, uid));
    assertEquals(
        "refusing the socket directory "
            + dir
            + ": it may be written by others (rwxrwxrwx) (remove it, set XDG_RUNTIME_DIR, or"
            + " choose --address)",
        e.getMessage());
  }

  @Test
  void aSymbolicLinkIsRefused() throws Exception {
    Path target = Files.createDirectory(tmp.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(tmp.resolve("transferd-x"), target);
    IOException e =
        assertThrows(IOException.class, () -> DefaultLocations.requirePrivate(link, uid));
    assertEquals(
        "refusing the socket directory "
            + link
            + ": it is not a directory (remove it, set XDG_RUNTIME_DIR, or choose --address)",
        e.getMessage());
  }

  @Test
  void aDirectoryAnotherUserOwnsIsRefused() throws Exception {
    RealPeers.requireRoot("chown to another user");
    Path dir = Files.createDirectory(tmp.resolve("transferd-x"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(dir, "unix:uid", 65534);
    IOException e = assertThrows(IOException.class, () -> DefaultLocations.requirePrivate(dir, 0));
    assertEquals(
        "refusing the socket directory "
            + dir
            + ": it belongs to uid 65534, not to us (uid 0) (remove it, set XDG_RUNTIME_DIR, or"
            + " choose --address)",
        e.getMessage());
  }
}
