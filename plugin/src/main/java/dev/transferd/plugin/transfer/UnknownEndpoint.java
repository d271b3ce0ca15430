package dev.transferd.plugin.transfer;

/**
 * An endpoint of a type this server has no objects for (e.g. {@code ContainerPath}, {@code
 * ReadStream}, or garbage): no operation takes it, so the transfer is UNIMPLEMENTED.
 */
record UnknownEndpoint(String typeUrl) implements Endpoint {}
