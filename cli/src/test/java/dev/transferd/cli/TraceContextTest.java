package dev.transferd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.daemon.Transferd;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transferctl's trace context reaches a real transferd process: its transfer log line ends with the
 * trace id from {@code TRACEPARENT} or from {@code --trace}.
 */
class TraceContextTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  @TempDir Path dir;
  private Process daemon;
  private Path log;

  @BeforeEach
  void start() throws Exception {
    // The daemon logs through logback; this module's test classpath also has slf4j-nop (the CLI's
    // binding), which would silence it.
    String classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(p -> !p.contains("slf4j-nop"))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-cp", classpath, Transferd.class.getName()));
    command.addAll(List.of("--root", dir.resolve("root").toString()));
    command.addAll(List.of("--address", dir.resolve("t.sock").toString()));
    log = dir.resolve("transferd.log");
    daemon =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(dir.resolve("t.sock"))) {
      assertTrue(daemon.isAlive(), () -> "transferd exited:\n" + read());
      assertTrue(System.nanoTime() < deadline, () -> "no socket after 30 s:\n" + read());
      Thread.sleep(20);
    }
  }

  @AfterEach
  void stop() throws Exception {
    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  private String read() {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private String[] run(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--address", dir.resolve("t.sock").toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Transferctl cli = new Transferctl(o, e, InputStream.nullInputStream(), env)) {
      code = cli.execute(all.toArray(String[]::new));
    }
    return new String[] {
      Integer.toString(code),
      out.toString(StandardCharsets.UTF_8),
      err.toString(StandardCharsets.UTF_8)
    };
  }

  /** The daemon's transfer line for a tag of {@code from}, once it is logged. */
  private String tagLine(String from) throws InterruptedException {
    Pattern p = Pattern.compile(".*transfer tag ImageStore -> ImageStore .*\\n");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Matcher m = p.matcher(read());
      String last = null;
      while (m.find()) {
        last = m.group();
      }
      if (last != null && last.contains(from)) {
        return last;
      }
      assertTrue(System.nanoTime() < deadline, () -> "no tag line for " + from + ":\n" + read());
      Thread.sleep(20);
    }
  }

  @Test
  void traceparentFromTheEnvironmentEndsTheDaemonsTransferLine() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TRACEPARENT", "00-" + TRACE_ID + "-b7ad6b7169203331-01");
    String[] r = run(env, "tag", "absent/one:1", "other:1");
    assertEquals("3", r[0], r[2]);
    String line = tagLine("absent/one:1");
    assertTrue(line.endsWith(" trace_id=" + TRACE_ID + "\n"), line);
  }

  @Test
  void traceGeneratesAnIdThatIsPrintedAndLogged() throws Exception {
    String[] r = run(new HashMap<>(), "--trace", "tag", "absent/two:1", "other:2");
    Matcher printed = Pattern.compile("transferctl: trace id ([0-9a-f]{32})\n").matcher(r[2]);
    assertTrue(printed.find(), r[2]);
    String line = tagLine("absent/two:1");
    assertTrue(line.endsWith(" trace_id=" + printed.group(1) + "\n"), line);

    String[] untraced = run(new HashMap<>(), "tag", "absent/three:1", "other:3");
    assertFalse(untraced[2].contains("trace id"), untraced[2]);
    assertFalse(tagLine("absent/three:1").contains("trace_id="), read());
  }

  @Test
  void aMalformedTraceparentIsIgnoredWithAWarningAndTraceStartsANewOne() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TRACEPARENT", "not-a-trace");
    String[] r = run(env, "images", "ls");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[2].startsWith("transferctl: ignoring TRACEPARENT \"not-a-trace\""), r[2]);
    assertFalse(r[2].contains("trace id"), r[2]);

    String[] traced = run(env, "--trace", "tag", "absent/four:1", "other:4");
    assertTrue(traced[2].contains("ignoring TRACEPARENT"), traced[2]);
    String id = traced[2].replaceAll("(?s).*trace id ([0-9a-f]{32}).*", "$1");
    assertEquals(32, id.length(), traced[2]);
    assertTrue(tagLine("absent/four:1").contains("trace_id=" + id), read());
  }
}
