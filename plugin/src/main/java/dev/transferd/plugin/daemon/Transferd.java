package dev.transferd.plugin.daemon;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code transferd}: reads the configuration (defaults, then containerd's file, then ours, then
 * flags), starts the {@link Daemon} and runs until SIGTERM or SIGINT, which shut it down within the
 * configured grace period.
 *
 * <p>Exit codes: 0 after a clean shutdown, 1 when the configuration is invalid or the daemon cannot
 * start, 2 for a bad command line.
 */
@Command(
    name = "transferd",
    mixinStandardHelpOptions = true,
    versionProvider = Transferd.Version.class,
    description = "Serves containerd's Transfer service over ttrpc on a unix socket.")
public final class Transferd implements Callable<Integer> {
  /** The system property logback.xml reads the root level from. */
  static final String LOG_LEVEL_PROPERTY = "transferd.log.level";

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "transferd's TOML configuration file")
  Path config;

  @Option(
      names = "--containerd-config",
      paramLabel = "FILE",
      description =
          "containerd's config.toml; its [plugins.\"" + ConfigFile.PLUGIN_ID + "\"] table is read")
  Path containerdConfig;

  @Option(names = "--root", paramLabel = "DIR", description = "directory of the store")
  Path root;

  @Option(names = "--address", paramLabel = "SOCKET", description = "the ttrpc unix socket")
  Path address;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "trace, debug, info, warn or error (default info)")
  String logLevel;

  @Option(
      names = "--metrics-address",
      paramLabel = "HOST:PORT",
      description = "serve Prometheus metrics on http://HOST:PORT/metrics")
  String metricsAddress;

  @Option(
      names = "--web-address",
      paramLabel = "HOST:PORT",
      description = "serve the web console and the pull endpoint on http(s)://HOST:PORT/")
  String webAddress;

  @Option(
      names = "--check-config",
      description =
          "check the configuration: print the effective settings as TOML on stdout and any"
              + " warnings on stderr, then exit (1 if a value is invalid)")
  boolean checkConfig;

  /** The longest unix socket path Linux accepts: sun_path's 108 bytes, less the final NUL. */
  static final int MAX_SOCKET_PATH_BYTES = 107;

  private final PrintWriter out;
  private final PrintWriter err;

  Transferd(PrintWriter err) {
    this(new PrintWriter(System.out, true), err);
  }

  Transferd(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  static int run(PrintWriter err, String... args) {
    return run(new PrintWriter(System.out, true), err, args);
  }

  static int run(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new Transferd(out, err)).setOut(out).setErr(err).execute(args);
  }

  /** The configuration the command line asks for, with warnings collected into {@code warnings}. */
  DaemonConfig resolve(DefaultLocations defaults, List<String> warnings) throws ConfigException {
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    if (containerdConfig != null) {
      warnings.addAll(ConfigFile.readContainerd(containerdConfig, builder));
    }
    if (config != null) {
      warnings.addAll(ConfigFile.readOwn(config, builder));
    }
    if (root != null) {
      builder.root(root);
    }
    if (address != null) {
      builder.address(address);
    }
    if (logLevel != null) {
      String level = logLevel.toLowerCase(Locale.ROOT);
      if (!List.of("trace", "debug", "info", "warn", "error").contains(level)) {
        throw new ConfigException(
            "--log-level must be one of trace, debug, info, warn, error, not \"" + logLevel + "\"");
      }
      builder.logLevel(level);
    }
    if (metricsAddress != null) {
      String problem = metricsAddress.isEmpty() ? null : HostPort.problem(metricsAddress);
      if (problem != null) {
        throw new ConfigException(
            "--metrics-address must be HOST:PORT such as 127.0.0.1:9310, not \""
                + metricsAddress
                + "\" (it "
                + problem
                + ")");
      }
      builder.metricsAddress(metricsAddress);
    }
    if (webAddress != null) {
      builder.webAddress(webAddress);
    }
    DaemonConfig resolved;
    try {
      resolved = builder.build(defaults);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid configuration: " + e.getMessage(), e);
    }
    int socketBytes =
        resolved.address().toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
    if (socketBytes > MAX_SOCKET_PATH_BYTES) {
      throw new ConfigException(
          "the socket path "
              + resolved.address()
              + " is "
              + socketBytes
              + " bytes long; unix sockets allow at most "
              + MAX_SOCKET_PATH_BYTES
              + " (choose a shorter --address or [ttrpc] address)");
    }
    return resolved;
  }

  @Override
  public Integer call() throws Exception {
    List<String> warnings = new ArrayList<>();
    DaemonConfig resolved;
    try {
      resolved = resolve(DefaultLocations.forCurrentUser(), warnings);
    } catch (ConfigException e) {
      err.println("transferd: " + e.getMessage());
      return 1;
    }
    if (checkConfig) {
      warnings.forEach(w -> err.println("transferd: warning: " + w));
      out.print(ConfigToml.render(resolved));
      out.flush();
      return 0;
    }
    // Logging starts only now, so that the level from the file or flag applies from the first line.
    System.setProperty(LOG_LEVEL_PROPERTY, resolved.logLevel());
    Logger log = LoggerFactory.getLogger(Transferd.class);
    warnings.forEach(w -> log.warn("config: {}", w));
    Daemon daemon;
    StartupLeftovers leftovers = StartupLeftovers.before(resolved);
    int uid = DefaultLocations.currentUid();
    Path runDir = resolved.address().toAbsolutePath().getParent();
    if (uid > 0 && DefaultLocations.fallbackRunDir(uid).equals(runDir)) {
      try {
        DefaultLocations.requirePrivate(runDir, uid);
      } catch (java.io.IOException e) {
        log.error("cannot start: {}", e.getMessage());
        return 1;
      }
    }
    try {
      daemon = Daemon.start(resolved);
    } catch (java.io.IOException | RuntimeException e) {
      leftovers.remove();
      log.error("cannot start: {}", StartupFailure.describe(e, resolved));
      return 1;
    }
    // SIGTERM and SIGINT shut down and exit 0 (a shutdown hook alone would exit 143); other ways
    // the JVM ends still run the hook.
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(
          new Signal(name),
          signal ->
              Thread.ofPlatform()
                  .name("transferd-shutdown")
                  .start(() -> stop(daemon, resolved, log, "SIG" + name)));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(daemon, resolved, log, "JVM exit")));
    daemon.awaitTermination();
    return 0;
  }

  private static void stop(Daemon daemon, DaemonConfig config, Logger log, String why) {
    if (!daemon.isStopping()) {
      log.info("{}: shutting down (grace {})", why, config.shutdownGrace());
    }
    daemon.shutdown(config.shutdownGrace());
  }

  /** The version from the jar's manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Transferd.class.getPackage().getImplementationVersion();
      return new String[] {"transferd " + (v == null ? "dev" : v)};
    }
  }
}
