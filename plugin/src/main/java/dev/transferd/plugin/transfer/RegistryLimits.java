package dev.transferd.plugin.transfer;

import java.util.concurrent.Semaphore;

/**
 * The service-wide limits on registry traffic (docs/protocol/transfer.md §9.1): how many blobs are
 * downloaded and how many uploaded at once across all transfers of one service. Fair semaphores, so
 * a large pull does not starve a later one forever.
 */
record RegistryLimits(Semaphore downloads, Semaphore uploads) {
  static RegistryLimits of(TransferSettings settings) {
    return new RegistryLimits(
        new Semaphore(settings.maxConcurrentDownloads(), true),
        new Semaphore(settings.maxConcurrentUploadedLayers(), true));
  }
}
