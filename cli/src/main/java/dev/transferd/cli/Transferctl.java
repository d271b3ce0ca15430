package dev.transferd.cli;

import dev.transferd.streams.client.TransferClient;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code transferctl}: containerd's Transfer service from the command line, with {@code ctr}'s
 * verbs and flag names. Each run opens one ttrpc connection to the daemon, lazily, and closes it
 * before exiting; errors become one line on stderr and an {@link ExitCodes exit code}.
 */
@Command(
    name = "transferctl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.ClientVersion.class,
    description = "Pull, push, copy, import, export and tag images through transferd.",
    // The commands are added by Commands, only the one a run needs.
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  success",
      "  1  the operation failed",
      "  2  bad command line",
      "  3  not found",
      "  4  authentication or permission failure",
      "  5  the daemon is not reachable"
    })
public final class Transferctl implements Runnable, AutoCloseable {
  /** The environment variable naming the daemon's socket. */
  static final String ADDRESS_ENV = "TRANSFERD_ADDRESS";

  /** The environment variable naming the namespace, as ctr's CONTAINERD_NAMESPACE. */
  static final String NAMESPACE_ENV = "TRANSFERD_NAMESPACE";

  @Option(
      names = "--address",
      paramLabel = "SOCKET",
      scope = ScopeType.INHERIT,
      description =
          "transferd's socket (env "
              + ADDRESS_ENV
              + "; default /run/transferd/transferd.sock for root,"
              + " $XDG_RUNTIME_DIR/transferd/transferd.sock otherwise)")
  Path address;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      description = "containerd namespace (env " + NAMESPACE_ENV + "; default \"default\")")
  String namespace;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      scope = ScopeType.INHERIT,
      description =
          "auto (a live table on a terminal, lines otherwise), tty, plain or none;"
              + " default ${DEFAULT-VALUE}",
      defaultValue = "auto")
  ProgressMode progress;

  @Option(
      names = "--trace",
      scope = ScopeType.INHERIT,
      description =
          "send a new W3C trace context with every call and print its trace id on stderr; the"
              + " daemon's log lines for the calls end with it (TRACEPARENT in the environment"
              + " continues that trace instead)")
  boolean trace;

  final PrintStream out;
  final PrintStream err;
  final InputStream in;

  /**
   * Standard output for archive bytes: unlike {@link #out} (a PrintStream, which swallows write
   * errors) it reports a full disk or a closed pipe, so that a cut archive never passes as whole.
   */
  final OutputStream data;

  /** Whether {@link #data} is a terminal, where an archive must not be written. */
  final boolean dataIsTerminal;

  private final Map<String, String> env;
  private TtrpcClient client;

  Transferctl(PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
    this(out, err, in, env, out, false);
  }

  Transferctl(
      PrintStream out,
      PrintStream err,
      InputStream in,
      Map<String, String> env,
      OutputStream data,
      boolean dataIsTerminal) {
    this.out = out;
    this.err = err;
    this.in = in;
    this.env = env;
    this.data = data;
    this.dataIsTerminal = dataIsTerminal;
  }

  public static void main(String[] args) {
    // Netty's set-up runs on the second core while picocli builds the command model.
    Thread.ofPlatform()
        .daemon()
        .name("transferctl-prepare")
        .start(TtrpcClient::prepareSharedEventLoop);
    int code;
    try (Transferctl cli =
        new Transferctl(
            System.out,
            System.err,
            System.in,
            System.getenv(),
            new FileOutputStream(FileDescriptor.out),
            Terminal.isStdout())) {
      code = cli.execute(args);
    }
    // An idle event-loop thread would hold the JVM's exit for ~300 ms (it waits for threads in
    // native code); stopping it first makes a quick command quick.
    TtrpcClient.stopSharedEventLoop(java.time.Duration.ofSeconds(1));
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command line and returns its exit code. */
  int execute(String... args) {
    CommandLine line = new CommandLine(this);
    Commands.addTo(line, args);
    line.setOut(new java.io.PrintWriter(out, true));
    line.setErr(new java.io.PrintWriter(err, true));
    line.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> Failure.report(e, commandLine, this));
    line.setExitCodeExceptionMapper(e -> ExitCodes.of(e, socket()));
    return line.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        new CommandLine(this), "a command is needed, e.g. 'transferctl images ls'");
  }

  /** The socket to use: --address, else TRANSFERD_ADDRESS, else the daemon's default for us. */
  Path socket() {
    if (address != null && !address.toString().isEmpty()) {
      return address;
    }
    String fromEnv = env.get(ADDRESS_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return Path.of(fromEnv);
    }
    return DefaultSocket.forUser(env);
  }

  /** The namespace: -n, else TRANSFERD_NAMESPACE, else {@code default}. */
  String namespace() {
    if (namespace != null) {
      return namespace;
    }
    return env.getOrDefault(NAMESPACE_ENV, "default");
  }

  /** The ttrpc client, connected on first use. */
  TtrpcClient client() {
    if (client == null) {
      TtrpcClient.Builder builder =
          TtrpcClient.builder(socket()).connectTimeout(java.time.Duration.ofSeconds(5));
      Optional<TraceContext> context = TraceContext.of(env, trace, err);
      context.ifPresent(c -> builder.interceptor(c.interceptor()));
      if (trace) {
        context.ifPresent(c -> err.println("transferctl: trace id " + c.traceId()));
      }
      try {
        client = builder.build();
      } catch (TtrpcException e) {
        throw new DaemonUnreachableException(socket(), e);
      }
    }
    return client;
  }

  TransferClient transfers() {
    return TransferClient.builder(client()).namespace(namespace()).build();
  }

  Api api() {
    return new Api(client(), namespace());
  }

  /** Where progress goes: stderr when stdout carries an archive. */
  PrintStream progressStream(boolean stdoutIsData) {
    return stdoutIsData ? err : out;
  }

  Map<String, String> env() {
    return env;
  }

  boolean terminal() {
    return Terminal.isInteractive(env);
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }
}
