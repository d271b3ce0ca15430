package dev.transferd.cli;

import dev.transferd.streams.client.Credentials;
import dev.transferd.streams.client.RegistryImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code transferctl copy SRC DST}: registry to registry through the daemon, every platform,
 * without storing the image, as {@code crane copy} (and {@code skopeo copy --all}) do. Blobs stream
 * from one registry into the other; on one registry they are mounted, not uploaded.
 */
@Command(
    name = "copy",
    description = {
      "Copy an image from one registry to another, every platform, without storing it.",
      "Blobs already in the destination are skipped; on the same registry they are mounted."
    })
final class CopyCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "SRC", description = "e.g. docker.io/library/alpine:3.20")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "e.g. registry.example/alpine:3.20")
  String destination;

  @Option(
      names = "--src-user",
      paramLabel = "USER[:PASSWORD]",
      description = "credentials for SRC; asks for the password on a terminal when omitted")
  String sourceUser;

  @Option(
      names = "--dest-user",
      paramLabel = "USER[:PASSWORD]",
      description = "credentials for DST; asks for the password on a terminal when omitted")
  String destinationUser;

  @Option(names = "--plain-http", description = "talk HTTP, not HTTPS, to both registries")
  boolean plainHttp;

  @Option(
      names = "--hosts-dir",
      paramLabel = "DIR",
      description = "hosts.toml directory on the daemon's machine (containerd's certs.d layout)")
  String hostsDir;

  @Override
  void run(Transferctl cli) {
    RegistryImage from = image(source, sourceUser);
    RegistryImage to = image(destination, destinationUser);
    TransferRun.run(
        cli,
        "copy " + source + " to " + destination,
        "copied " + source + " to " + destination,
        from,
        to,
        false,
        null);
  }

  private RegistryImage image(String reference, String user) {
    References.check(reference);
    RegistryImage image = RegistryImage.of(reference);
    if (plainHttp) {
      image = image.withDefaultScheme("http");
    }
    if (hostsDir != null) {
      image = image.withHostDir(hostsDir);
    }
    if (user != null) {
      Credentials credentials = RegistryOptions.credentials(user);
      image = image.withCredentials((ref, host) -> credentials);
    }
    return image;
  }
}
