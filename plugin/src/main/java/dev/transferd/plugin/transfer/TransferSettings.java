package dev.transferd.plugin.transfer;

import dev.transferd.streams.bytestream.ByteStreamSettings;
import dev.transferd.streams.callback.CredentialRequester;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Transfer service runs its side streams.
 *
 * @param byteStreams the window this server grants as receiver and the chunks it sends as sender
 * @param credentialTimeout how long a registry credential request waits for the client's answer
 */
public record TransferSettings(ByteStreamSettings byteStreams, Duration credentialTimeout) {
  public static final TransferSettings DEFAULTS =
      new TransferSettings(ByteStreamSettings.CONTAINERD, CredentialRequester.DEFAULT_TIMEOUT);

  public TransferSettings {
    Objects.requireNonNull(byteStreams, "byteStreams");
    Objects.requireNonNull(credentialTimeout, "credentialTimeout");
  }

  public TransferSettings withByteStreams(ByteStreamSettings settings) {
    return new TransferSettings(settings, credentialTimeout);
  }

  public TransferSettings withCredentialTimeout(Duration timeout) {
    return new TransferSettings(byteStreams, timeout);
  }
}
