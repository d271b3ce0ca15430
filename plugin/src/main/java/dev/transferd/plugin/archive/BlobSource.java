package dev.transferd.plugin.archive;

import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;

/** Where the archive code reads committed blobs: the content store, in the daemon. */
public interface BlobSource {
  /** The size of the blob, or empty when it is not there. */
  OptionalLong size(String digest) throws IOException;

  /**
   * Reads the whole blob.
   *
   * @throws java.io.FileNotFoundException or a store NOT_FOUND when it is not there
   */
  InputStream open(String digest) throws IOException;
}
