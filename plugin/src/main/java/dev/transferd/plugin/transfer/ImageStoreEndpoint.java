package dev.transferd.plugin.transfer;

import dev.transferd.proto.types.transfer.ImageStore;

/** The server's image store as source or destination; no side streams. */
record ImageStoreEndpoint(String typeUrl, ImageStore spec) implements Endpoint {}
