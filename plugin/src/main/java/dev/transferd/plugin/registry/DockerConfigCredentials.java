package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.streams.callback.RegistryCredentials;
import dev.transferd.ttrpc.StatusCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Credentials from the server's docker {@code config.json} (containerd's open #8228: its transfer
 * service has none): {@code credHelpers.<host>} or {@code credsStore} run {@code
 * docker-credential-<name> get} with the server on stdin; otherwise {@code auths.<host>} ({@code
 * auth} = base64 of {@code user:password}, or {@code username}/{@code password}, or {@code
 * identitytoken}). Docker Hub's key is {@code https://index.docker.io/v1/}. The file is read on
 * each lookup, so edits apply to the next transfer.
 */
public final class DockerConfigCredentials implements CredentialSource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HUB_KEY = "https://index.docker.io/v1/";

  private final Path configFile;
  private final List<Path> helperPath;

  /**
   * @param configFile the {@code config.json} (absent file = no credentials)
   * @param helperPath directories searched for {@code docker-credential-*} programs
   */
  public DockerConfigCredentials(Path configFile, List<Path> helperPath) {
    this.configFile = configFile;
    this.helperPath = List.copyOf(helperPath);
  }

  /**
   * {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}, helpers on {@code $PATH}.
   */
  public static DockerConfigCredentials fromEnvironment() {
    String dir = System.getenv("DOCKER_CONFIG");
    Path file =
        dir != null && !dir.isEmpty()
            ? Path.of(dir, "config.json")
            : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    List<Path> path = new ArrayList<>();
    String env = System.getenv("PATH");
    if (env != null) {
      for (String p : env.split(java.io.File.pathSeparator)) {
        if (!p.isEmpty()) {
          path.add(Path.of(p));
        }
      }
    }
    return new DockerConfigCredentials(file, path);
  }

  @Override
  public RegistryCredentials credentials(String host, String reference) {
    if (!Files.isRegularFile(configFile)) {
      return ANONYMOUS;
    }
    JsonNode config;
    try {
      config = JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT, "docker config " + configFile + " is not valid JSON");
    }
    boolean hub = host.equals(ImageRef.DOCKER_HUB) || host.endsWith(".docker.io");
    String helper = config.path("credHelpers").path(hub ? ImageRef.DOCKER_HUB : host).asText("");
    if (helper.isEmpty() && hub) {
      helper = config.path("credHelpers").path(HUB_KEY).asText("");
    }
    if (helper.isEmpty()) {
      helper = config.path("credsStore").asText("");
    }
    if (!helper.isEmpty()) {
      return fromHelper(helper, hub ? HUB_KEY : host);
    }
    JsonNode auths = config.path("auths");
    for (String key :
        hub
            ? List.of(HUB_KEY, ImageRef.DOCKER_HUB, "index.docker.io")
            : List.of(host, "https://" + host, "http://" + host, "https://" + host + "/v1/")) {
      JsonNode entry = auths.get(key);
      if (entry != null) {
        return fromAuthEntry(entry, host);
      }
    }
    return ANONYMOUS;
  }

  private RegistryCredentials fromAuthEntry(JsonNode entry, String host) {
    String token = entry.path("identitytoken").asText("");
    String user = entry.path("username").asText("");
    String password = entry.path("password").asText("");
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new RegistryException(
            StatusCode.INVALID_ARGUMENT,
            "docker config " + configFile + ": auth for " + host + " is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new RegistryException(
            StatusCode.INVALID_ARGUMENT,
            "docker config " + configFile + ": auth for " + host + " is not user:password");
      }
      user = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    if (!token.isEmpty()) {
      return new RegistryCredentials(AuthType.REFRESH, user, token);
    }
    if (!user.isEmpty() || !password.isEmpty()) {
      return new RegistryCredentials(AuthType.CREDENTIALS, user, password);
    }
    return ANONYMOUS;
  }

  private RegistryCredentials fromHelper(String name, String server) {
    String program = "docker-credential-" + name;
    Path executable = null;
    for (Path dir : helperPath) {
      Path p = dir.resolve(program);
      if (Files.isExecutable(p)) {
        executable = p;
        break;
      }
    }
    if (executable == null) {
      throw new RegistryException(
          StatusCode.FAILED_PRECONDITION,
          "credential helper " + program + " named in " + configFile + " is not installed");
    }
    try {
      Process process =
          new ProcessBuilder(executable.toString(), "get")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      try (OutputStream in = process.getOutputStream()) {
        in.write(server.getBytes(StandardCharsets.UTF_8));
      }
      byte[] out = readLimited(process.getInputStream(), 1 << 20);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new RegistryException(
            StatusCode.DEADLINE_EXCEEDED, "credential helper " + program + " did not finish");
      }
      String text = new String(out, StandardCharsets.UTF_8).trim();
      if (process.exitValue() != 0) {
        if (text.contains("credentials not found")) {
          return ANONYMOUS;
        }
        // The helper's output is not shown: it might echo what it was given.
        throw new RegistryException(
            StatusCode.UNAUTHENTICATED,
            "credential helper "
                + program
                + " failed for "
                + server
                + " (exit "
                + process.exitValue()
                + ")");
      }
      JsonNode answer = JSON.readTree(text);
      String user = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      if (user.equals("<token>")) {
        return new RegistryCredentials(AuthType.REFRESH, "", secret);
      }
      return secret.isEmpty()
          ? ANONYMOUS
          : new RegistryCredentials(AuthType.CREDENTIALS, user, secret);
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.UNAVAILABLE,
          "credential helper " + program + " for " + server + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(
          StatusCode.CANCELLED, "credential helper " + program + " interrupted");
    }
  }

  private static byte[] readLimited(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      if (out.size() + n > limit) {
        throw new IOException("output over " + limit + " bytes");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
