package dev.transferd.cli;

import dev.transferd.plugin.daemon.Daemon;
import dev.transferd.plugin.daemon.DaemonConfig;
import dev.transferd.plugin.daemon.DefaultLocations;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real transferd on a temporary socket and store, and a way to run transferctl against it. */
final class CliFixture implements AutoCloseable {
  /** What one transferctl run did. */
  record Result(int code, String out, String err, byte[] stdout) {}

  final Path dir;
  final Daemon daemon;
  final Map<String, String> env = new HashMap<>();

  /**
   * Where archive bytes on standard output go instead of {@link Result#stdout()}; null for there.
   */
  OutputStream data;

  /** Whether transferctl is told its standard output is a terminal. */
  boolean stdoutIsTerminal;

  private CliFixture(Path dir, Daemon daemon) {
    this.dir = dir;
    this.daemon = daemon;
  }

  static CliFixture start() throws IOException {
    Path dir = Files.createTempDirectory("transferctl");
    DaemonConfig resolved =
        new DaemonConfig.Builder()
            .build(new DefaultLocations(dir.resolve("root"), dir.resolve("t.sock")));
    return new CliFixture(dir, Daemon.start(resolved));
  }

  Path socket() {
    return daemon.address();
  }

  /** transferctl with --address set to the daemon. */
  Result run(String... args) {
    return runWithInput(InputStream.nullInputStream(), args);
  }

  Result runWithInput(byte[] stdin, String... args) {
    return runWithInput(new ByteArrayInputStream(stdin), args);
  }

  Result runWithInput(InputStream stdin, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--address";
    all[1] = socket().toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return runBare(stdin, all);
  }

  /** transferctl exactly as given, with this fixture's environment. */
  Result runBare(InputStream stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Transferctl cli =
            new Transferctl(o, e, stdin, env, data == null ? o : data, stdoutIsTerminal)) {
      code = cli.execute(args);
    }
    return new Result(
        code,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }

  @Override
  public void close() throws IOException {
    daemon.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
