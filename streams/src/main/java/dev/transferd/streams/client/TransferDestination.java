package dev.transferd.streams.client;

/**
 * Where a transfer writes an image to: a registry ({@link RegistryImage}), the server's image store
 * ({@link StoredImage}), an archive streamed back to the client ({@link ExportArchive}) or a
 * directory on the server's machine ({@link UnpackDirectory}).
 */
public sealed interface TransferDestination
    permits RegistryImage, StoredImage, ExportArchive, UnpackDirectory {}
