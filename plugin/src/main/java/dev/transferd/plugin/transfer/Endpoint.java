package dev.transferd.plugin.transfer;

/**
 * The server's view of a transfer source or destination, decoded from its {@code Any} together with
 * the side streams it names (containerd's transfer objects, docs/protocol/transfer.md §2.2 step 2).
 * Which pair of endpoints makes which operation is the {@link OperationTable}'s business.
 */
sealed interface Endpoint
    permits ImportStreamEndpoint,
        ExportStreamEndpoint,
        RegistryEndpoint,
        ImageStoreEndpoint,
        UnpackDirectoryEndpoint,
        RepackDirectoryEndpoint,
        UnknownEndpoint {
  /** The type URL the endpoint arrived with, for messages. */
  String typeUrl();
}
