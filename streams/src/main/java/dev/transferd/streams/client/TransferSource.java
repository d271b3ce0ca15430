package dev.transferd.streams.client;

/**
 * Where a transfer reads an image from: a registry ({@link RegistryImage}), the server's image
 * store ({@link StoredImage}), an archive the client streams ({@link ImportArchive}) or a directory
 * on the server's machine to repack ({@link RepackDirectory}).
 */
public sealed interface TransferSource
    permits RegistryImage, StoredImage, ImportArchive, RepackDirectory {}
