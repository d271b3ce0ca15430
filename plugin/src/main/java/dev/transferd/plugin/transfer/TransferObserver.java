package dev.transferd.plugin.transfer;

/**
 * Told about every Transfer call when it has ended (after its side streams, before the response),
 * on the call's own thread, so thread-local context such as the logging MDC of the call is in
 * place. Must not block; must not throw (anything thrown is ignored).
 */
@FunctionalInterface
public interface TransferObserver {
  TransferObserver NONE = report -> {};

  void transferEnded(TransferReport report);
}
