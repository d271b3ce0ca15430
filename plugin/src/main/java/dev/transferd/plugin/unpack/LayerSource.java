package dev.transferd.plugin.unpack;

import java.io.IOException;
import java.io.InputStream;

/** Opens a layer blob by digest (the content store of a namespace, or a test's files). */
@FunctionalInterface
public interface LayerSource {
  InputStream open(String digest) throws IOException;
}
