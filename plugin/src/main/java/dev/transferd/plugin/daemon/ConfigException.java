package dev.transferd.plugin.daemon;

/**
 * A configuration the daemon cannot start with: unreadable or invalid TOML, or a value of the wrong
 * type or range. The message names the file and line (when known) and the key.
 */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
