package dev.transferd.cli;

import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.RegistryImage;
import java.io.Console;
import java.io.OutputStream;
import picocli.CommandLine.Option;

/**
 * ctr's registry flags: {@code --user}, {@code --plain-http}, {@code --hosts-dir}, {@code
 * --http-dump}, {@code --http-trace}.
 */
final class RegistryOptions {
  @Option(
      names = {"-u", "--user"},
      paramLabel = "USER[:PASSWORD]",
      description = "registry credentials; asks for the password on a terminal when omitted")
  String user;

  @Option(names = "--plain-http", description = "talk HTTP, not HTTPS, to the registry")
  boolean plainHttp;

  @Option(
      names = "--hosts-dir",
      paramLabel = "DIR",
      description = "hosts.toml directory on the daemon's machine (containerd's certs.d layout)")
  String hostsDir;

  @Option(
      names = "--http-dump",
      description =
          "write the daemon's HTTP requests and responses with this registry (headers, secrets"
              + " redacted) to stderr")
  boolean httpDump;

  @Option(
      names = "--http-trace",
      description =
          "write the daemon's connection-level HTTP events (redirects, retries, auth challenges,"
              + " body sizes and timings) to stderr")
  boolean httpTrace;

  /**
   * The registry endpoint for {@code reference} with these options; HTTP debug output, if asked
   * for, goes to {@code debugOut}.
   */
  RegistryImage image(String reference, OutputStream debugOut) {
    References.check(reference);
    RegistryImage image = RegistryImage.of(reference);
    if (plainHttp) {
      image = image.withDefaultScheme("http");
    }
    if (hostsDir != null) {
      image = image.withHostDir(hostsDir);
    }
    if (user != null) {
      Credentials credentials = credentials(user);
      image = image.withCredentials((ref, host) -> credentials);
    }
    if (httpDump || httpTrace) {
      image = image.withHttpDebug(RegistryImage.HttpDebug.of(httpDump, httpTrace), debugOut);
    }
    return image;
  }

  /**
   * {@code USER[:PASSWORD]} as credentials; without a password, asks for one on the terminal.
   *
   * @throws UsageException when there is no password and no terminal to ask on
   */
  static Credentials credentials(String user) {
    int colon = user.indexOf(':');
    if (colon >= 0) {
      return Credentials.basic(user.substring(0, colon), user.substring(colon + 1));
    }
    Console console = System.console();
    if (console == null) {
      throw new UsageException("--user " + user + " has no password and there is no terminal");
    }
    char[] password = console.readPassword("Password for %s: ", user);
    if (password == null) {
      throw new UsageException("no password given for --user " + user);
    }
    return Credentials.basic(user, new String(password));
  }
}
