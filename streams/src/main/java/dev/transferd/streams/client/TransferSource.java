package dev.transferd.streams.client;

/**
 * Where a transfer reads an image from: a registry ({@link RegistryImage}), the server's image
 * store ({@link StoredImage}) or an archive the client streams ({@link ImportArchive}).
 */
public sealed interface TransferSource permits RegistryImage, StoredImage, ImportArchive {}
