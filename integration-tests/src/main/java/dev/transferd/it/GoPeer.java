package dev.transferd.it;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Go ttrpc peer ({@code src/main/go/ttrpc-peer}, built against Debian's containerd/ttrpc
 * v1.1.1): builds it once per JVM and starts it.
 *
 * <p>Modes: {@code serve} and {@code bench-server} listen on {@code -socket} and print {@code
 * READY}; {@code check} runs the interop checks as a Go client against a Java server; {@code
 * bench-client} measures Echo round trips. A started peer exits when its stdin closes, so it never
 * outlives the JVM that started it.
 */
public final class GoPeer {
  /** Debian packages the peer needs: the Go toolchain and the ttrpc sources with their deps. */
  public static final String DEBIAN_PACKAGES = "golang-go golang-github-containerd-ttrpc-dev";

  private static final Path GOCODE = Path.of("/usr/share/gocode");
  private static final Path TTRPC_SOURCE =
      GOCODE.resolve("src/github.com/containerd/ttrpc/client.go");
  private static final String SOURCE_DIR = "src/main/go/ttrpc-peer";
  private static final String IMPORT_PATH = "dev.transferd/ttrpc-peer";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

  private static Path binary; // guarded by GoPeer.class

  private GoPeer() {}

  /**
   * The peer's executable, {@code integration-tests/target/go/ttrpc-peer}, built on the first call
   * in this JVM (GOPATH mode, offline, against {@code /usr/share/gocode}).
   *
   * @throws IllegalStateException if Go or the ttrpc sources are missing, or the build fails
   */
  public static synchronized Path binary() {
    if (binary == null) {
      binary = build(moduleDir());
    }
    return binary;
  }

  /**
   * Starts the peer in a listening mode ({@code serve}, {@code bench-server}) and returns once it
   * printed {@code READY}. Stop it with {@link #stop}; its stderr goes to this JVM's stderr.
   */
  public static Process start(String mode, Path socket, String... extraArgs) {
    List<String> command = command(mode, socket, extraArgs);
    Process process;
    try {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    StringBuilder seen = new StringBuilder();
    Thread reader =
        Thread.ofPlatform()
            .daemon()
            .name("ttrpc-peer-" + mode + "-stdout")
            .start(
                () -> {
                  try (BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(
                              process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                      if (!ready.isDone()) {
                        if (line.equals("READY")) {
                          ready.complete(null);
                        } else {
                          synchronized (seen) {
                            seen.append(line).append('\n');
                          }
                        }
                      }
                    }
                  } catch (IOException e) {
                    // The process went away; reported below if it was not ready.
                  }
                  ready.completeExceptionally(new IOException("stdout closed before READY"));
                });
    try {
      ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return process;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(process);
      throw new IllegalStateException("interrupted waiting for " + command, e);
    } catch (ExecutionException | TimeoutException e) {
      stop(process);
      reader.interrupt();
      String exit = process.isAlive() ? "still running" : "exit code " + process.exitValue();
      synchronized (seen) {
        throw new IllegalStateException(
            "ttrpc-peer "
                + mode
                + " did not print READY within "
                + READY_TIMEOUT.toSeconds()
                + " s ("
                + exit
                + "); stdout:\n"
                + seen,
            e);
      }
    }
  }

  /** Stops a started peer: closes its stdin, then terminates it if it lingers. */
  public static void stop(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // Already gone.
    }
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** What a peer run to completion printed (stdout and stderr merged) and its exit code. */
  public record Result(int exitCode, String output) {}

  /**
   * Runs the peer in a mode that ends by itself ({@code check}, {@code bench-client}) and waits for
   * it; a peer still running after {@code timeout} is killed and reported as exit code -1.
   */
  public static Result run(Duration timeout, String mode, Path socket, String... extraArgs) {
    List<String> command = command(mode, socket, extraArgs);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      CompletableFuture<String> output = drain(process.getInputStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        return new Result(-1, output.get(5, TimeUnit.SECONDS) + "\n(killed after " + timeout + ")");
      }
      return new Result(process.exitValue(), output.get(5, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the output of " + command, e);
    }
  }

  private static List<String> command(String mode, Path socket, String... extraArgs) {
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.add(mode);
    command.add("-socket");
    command.add(socket.toAbsolutePath().toString());
    command.addAll(List.of(extraArgs));
    return command;
  }

  // ---- building ----

  private static Path build(Path module) {
    Path go = findGo();
    if (go == null) {
      throw missing("the Go toolchain (`go` on PATH) is not installed");
    }
    if (!Files.isRegularFile(TTRPC_SOURCE)) {
      throw missing("the containerd/ttrpc Go sources (" + TTRPC_SOURCE + ") are not installed");
    }
    Path source = module.resolve(SOURCE_DIR).resolve("main.go");
    Path goDir = module.resolve("target/go");
    Path out = goDir.resolve("ttrpc-peer");
    try {
      Files.createDirectories(goDir);
      // Several JVMs (surefire forks, benchmarks) may build at once: one at a time.
      try (FileChannel lockFile =
              FileChannel.open(
                  goDir.resolve(".build.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock ignored = lockFile.lock()) {
        Path packageDir = goDir.resolve("src").resolve(IMPORT_PATH);
        Files.createDirectories(packageDir);
        Files.copy(source, packageDir.resolve("main.go"), StandardCopyOption.REPLACE_EXISTING);
        Path temporary = goDir.resolve("ttrpc-peer.tmp");
        List<String> command = List.of(go.toString(), "build", "-o", temporary.toString(), ".");
        ProcessBuilder pb =
            new ProcessBuilder(command).directory(packageDir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GO111MODULE", "off");
        env.put("GOPATH", goDir + ":" + GOCODE);
        env.put("GOCACHE", goDir.resolve("cache").toString());
        env.put("GOPROXY", "off");
        env.put("GOFLAGS", "");
        env.put("GOTOOLCHAIN", "local");
        env.put("CGO_ENABLED", "0");
        Process process = pb.start();
        process.getOutputStream().close();
        CompletableFuture<String> output = drain(process.getInputStream());
        if (!process.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "`go build` of the ttrpc peer took over " + BUILD_TIMEOUT);
        }
        String log = output.get(5, TimeUnit.SECONDS);
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "`go build` of "
                  + source
                  + " failed (exit "
                  + process.exitValue()
                  + "; the Debian packages "
                  + DEBIAN_PACKAGES
                  + " provide Go and the ttrpc sources):\n"
                  + log);
        }
        Files.move(temporary, out, StandardCopyOption.REPLACE_EXISTING);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the Go ttrpc peer in " + goDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted building the Go ttrpc peer", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read `go build` output", e);
    }
  }

  private static IllegalStateException missing(String what) {
    return new IllegalStateException(
        "Cannot build the Go ttrpc peer: "
            + what
            + ". Install the Debian packages: apt-get install "
            + DEBIAN_PACKAGES);
  }

  private static Path findGo() {
    String path = System.getenv("PATH");
    List<Path> candidates = new ArrayList<>();
    if (path != null) {
      for (String dir : path.split(":")) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, "go"));
        }
      }
    }
    candidates.add(Path.of("/usr/lib/go/bin/go"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * The integration-tests module directory: found from where this class was loaded ({@code
   * target/classes}), else from the working directory (the module itself or the repository root).
   */
  private static Path moduleDir() {
    List<Path> candidates = new ArrayList<>();
    try {
      Path classes =
          Path.of(GoPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (classes.getParent() != null && classes.getParent().getParent() != null) {
        candidates.add(classes.getParent().getParent());
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // Fall back to the working directory.
    }
    Path cwd = Path.of("").toAbsolutePath();
    candidates.add(cwd);
    candidates.add(cwd.resolve("integration-tests"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate.resolve(SOURCE_DIR).resolve("main.go"))) {
        return candidate.normalize();
      }
    }
    throw new IllegalStateException(
        "cannot find " + SOURCE_DIR + "/main.go of the integration-tests module in " + candidates);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("ttrpc-peer-output")
        .start(
            () -> {
              ByteArrayOutputStream buffer = new ByteArrayOutputStream();
              try (in) {
                in.transferTo(buffer);
              } catch (IOException e) {
                // Keep what was read.
              }
              result.complete(buffer.toString(StandardCharsets.UTF_8));
            });
    return result;
  }
}
