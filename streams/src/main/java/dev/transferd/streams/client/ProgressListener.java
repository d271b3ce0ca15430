package dev.transferd.streams.client;

/**
 * Receives a transfer's progress events, in the order the server sent them, on one background
 * thread. All events have been delivered when {@link TransferClient#transfer} returns. Return
 * quickly: while the listener blocks, events wait in the stream's bounded queue (8 MiB); once that
 * and ttrpc's own queue are full, the connection stops reading, and after ttrpc's grace period (1
 * s) the progress stream fails and the remaining events are lost. The transfer carries on.
 */
@FunctionalInterface
public interface ProgressListener {
  void onProgress(ProgressEvent event);
}
