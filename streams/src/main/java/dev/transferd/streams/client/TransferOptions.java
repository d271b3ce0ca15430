package dev.transferd.streams.client;

/**
 * Per-transfer options.
 *
 * @param progress receives progress events; null for none (then no progress stream is opened)
 */
public record TransferOptions(ProgressListener progress) {
  private static final TransferOptions NONE = new TransferOptions(null);

  public static TransferOptions none() {
    return NONE;
  }

  public static TransferOptions withProgress(ProgressListener listener) {
    return new TransferOptions(listener);
  }
}
