package dev.transferd.streams.client;

/**
 * Where a transfer writes an image to: a registry ({@link RegistryImage}), the server's image store
 * ({@link StoredImage}) or an archive streamed back to the client ({@link ExportArchive}).
 */
public sealed interface TransferDestination permits RegistryImage, StoredImage, ExportArchive {}
