package dev.transferd.streams.client;

import java.io.IOException;

/**
 * Answers the server's credential requests during a transfer with a {@link RegistryImage}. Called
 * on a background thread, one request at a time, whenever a registry challenges the server.
 */
@FunctionalInterface
public interface CredentialHelper {
  /**
   * @param reference the image reference being transferred, as given to {@link RegistryImage}
   * @param host the registry host that asked for credentials, e.g. {@code registry-1.docker.io}
   * @return the credentials, or {@link Credentials#anonymous()}
   * @throws IOException if none can be had; the server's request then fails with this message
   */
  Credentials credentials(String reference, String host) throws IOException;
}
