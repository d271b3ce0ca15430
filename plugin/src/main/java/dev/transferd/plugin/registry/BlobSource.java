package dev.transferd.plugin.registry;

import java.io.IOException;
import java.io.InputStream;

/** Where an upload reads a blob from; opened again from an offset to retry or resume. */
@FunctionalInterface
public interface BlobSource {
  InputStream open(long offset) throws IOException, InterruptedException;
}
