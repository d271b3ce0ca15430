package dev.transferd.plugin.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code skopeo}, failing with its output when it fails. */
public final class Skopeo {
  private Skopeo() {}

  public static byte[] run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("skopeo");
    cmd.add("--insecure-policy");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("skopeo " + String.join(" ", args) + " failed: " + err);
    }
    return out;
  }

  /** Copies an OCI layout (all platforms) to a registry without TLS verification. */
  static void push(java.nio.file.Path layout, String dockerRef, String... extra)
      throws IOException, InterruptedException {
    List<String> a = new ArrayList<>(List.of("copy", "--all", "--dest-tls-verify=false"));
    a.addAll(List.of(extra));
    a.add("oci:" + layout + ":latest");
    a.add("docker://" + dockerRef);
    run(a.toArray(String[]::new));
  }

  /** The raw root manifest as the registry serves it. */
  static byte[] rawManifest(String dockerRef, String... extra)
      throws IOException, InterruptedException {
    List<String> a = new ArrayList<>(List.of("inspect", "--raw", "--tls-verify=false"));
    a.addAll(List.of(extra));
    a.add("docker://" + dockerRef);
    return run(a.toArray(String[]::new));
  }
}
