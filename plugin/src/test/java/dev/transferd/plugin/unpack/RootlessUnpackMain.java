package dev.transferd.plugin.unpack;

import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Unpacks {@link #layers} into the directory named by its argument and prints each skipped kind of
 * metadata as {@code SKIPPED <what>}: {@link RootlessUnpackTest} runs it without the capabilities
 * an unpack needs for owners, devices and file capabilities.
 */
public final class RootlessUnpackMain {
  private RootlessUnpackMain() {}

  static TestLayers layers() {
    return new TestLayers()
        .add(
            new LayerTar()
                .owned(1000, 1000)
                .dir("home", 0755)
                .owned(1000, 1000)
                .file("home/notes", 0600, "mine")
                .dir("dev", 0755)
                .device("dev/null", TarConstants.LF_CHR, 0666, 1, 3)
                .fifo("dev/initctl", 0600)
                .dir("bin", 0555)
                .xattr(
                    "security.capability", "\u0001\0\0\u0002\0\u0004\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
                .file("bin/ping", 04755, "ping"))
        .add(new LayerTar().file("bin/ping", 0755, "ping v2").file("bin/.wh.nothing", 0, ""));
  }

  public static void main(String[] args) throws Exception {
    TestLayers layers = layers();
    UnpackResult result =
        ImageUnpacker.unpack(layers.layers(), layers, Path.of(args[0]), UnpackListener.NONE);
    for (String skipped : result.skipped()) {
      System.out.println("SKIPPED " + skipped);
    }
  }
}
