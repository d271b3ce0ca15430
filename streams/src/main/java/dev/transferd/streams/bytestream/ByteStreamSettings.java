package dev.transferd.streams.bytestream;

import dev.transferd.streams.StreamingProtocol;

/**
 * Flow-control sizes of one end of a byte stream. containerd's are fixed ({@link #CONTAINERD}); a
 * receiver may grant any window and a sender may send any chunk up to the frame limit, and every
 * peer must accept both, so either end may choose larger sizes on its own when both ends are ours.
 *
 * @param window what a receiver grants at once, and the outstanding credit below which it grants
 *     again (containerd: 65,536)
 * @param maxChunk the largest {@code Data} payload a sender produces (containerd: 32,768)
 */
public record ByteStreamSettings(int window, int maxChunk) {
  /** The largest {@code Data} payload that fits a 4 MiB ttrpc frame inside its {@code Any}. */
  public static final int MAX_CHUNK_LIMIT = (4 << 20) - 64;

  /** containerd's sizes: grant 64 KiB below 64 KiB outstanding, send at most 32 KiB per Data. */
  public static final ByteStreamSettings CONTAINERD =
      new ByteStreamSettings(StreamingProtocol.WINDOW_SIZE, StreamingProtocol.MAX_DATA_CHUNK);

  public ByteStreamSettings {
    if (window < 1) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    if (maxChunk < 1 || maxChunk > MAX_CHUNK_LIMIT) {
      throw new IllegalArgumentException(
          "maxChunk must be between 1 and " + MAX_CHUNK_LIMIT + ": " + maxChunk);
    }
  }
}
