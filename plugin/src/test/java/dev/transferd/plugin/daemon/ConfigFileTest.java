package dev.transferd.plugin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.store.ContentSharingPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigFileTest {
  private static final DefaultLocations DEFAULTS =
      new DefaultLocations(Path.of("/default/root"), Path.of("/default/t.sock"));

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  /** A containerd 1.6 config as `containerd config default` writes it, trimmed, plus our table. */
  private static final String CONTAINERD_CONFIG =
      """
      disabled_plugins = []
      imports = []
      oom_score = 0
      plugin_dir = ""
      required_plugins = []
      root = "/var/lib/containerd"
      state = "/run/containerd"
      version = 2

      [grpc]
        address = "/run/containerd/containerd.sock"
        gid = 0
        uid = 0

      [plugins]

        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "registry.k8s.io/pause:3.6"

          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".registry]
            config_path = ""

        [plugins."io.containerd.transfer.v1.local"]
          max_concurrent_downloads = 3

          [[plugins."io.containerd.transfer.v1.local".unpack_config]]
            platform = "linux/amd64"
            snapshotter = "overlayfs"

        [plugins."dev.transferd.v1.transfer"]
          root = "/var/lib/transferd"
          max_concurrent_downloads = 6
          max_concurrent_uploaded_layers = 2
          config_path = "/etc/containerd/certs.d"
          shutdown_grace = "1m30s"

          [plugins."dev.transferd.v1.transfer".ttrpc]
            address = "/run/transferd/transferd.sock"
            gid = 1001
            mode = "0660"

      [ttrpc]
        address = "/run/containerd/containerd.sock.ttrpc"
        gid = 0
        uid = 0
      """;

  @Test
  void ourTableInContainerdsConfigConfiguresTheDaemonAndTheRestIsNotOurBusiness() throws Exception {
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    List<String> warnings =
        ConfigFile.readContainerd(write("config.toml", CONTAINERD_CONFIG), builder);
    DaemonConfig config = builder.build(DEFAULTS);
    assertEquals(List.of(), warnings, "containerd's own tables and [ttrpc] are not ours to check");
    assertEquals(Path.of("/var/lib/transferd"), config.root());
    assertEquals(Path.of("/run/transferd/transferd.sock"), config.address());
    assertEquals(6, config.maxConcurrentDownloads());
    assertEquals(2, config.maxConcurrentUploadedLayers());
    assertEquals(Path.of("/etc/containerd/certs.d"), config.hostsDir());
    assertEquals(Duration.ofSeconds(90), config.shutdownGrace());
    assertEquals(1001, config.socketGid());
    assertEquals(-1, config.socketUid());
    assertEquals("rw-rw----", config.socketMode());
  }

  @Test
  void aContainerdConfigWithoutOurTableGivesDefaultsAndSaysSo() throws Exception {
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    List<String> warnings =
        ConfigFile.readContainerd(
            write("c.toml", "version = 2\n[grpc]\naddress = \"x\"\n"), builder);
    assertEquals(DEFAULTS.root(), builder.build(DEFAULTS).root());
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("no [plugins.\"dev.transferd.v1.transfer\"] table"));
  }

  @Test
  void ourOwnFileReadsEveryKeyAndTopLevelKeysBeatTheTables() throws Exception {
    Path file =
        write(
            "transferd.toml",
            """
            version = 2
            root = "/srv/transferd"

            [ttrpc]
            address = "/run/t/t.sock"
            uid = 0
            gid = 0o0
            mode = 0o600

            [debug]
            level = "debug"

            [metrics]
            address = "127.0.0.1:9310"

            [plugins.'dev.transferd.v1.transfer']
            root = "/loses/to/top/level"
            max_concurrent_downloads = 8
            credential_timeout = "500ms"
            byte_stream_window = 262144
            byte_stream_chunk = 65536
            push_chunk_size = 1048576
            concurrent_layer_fetch_buffer = 4194304
            """);
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(List.of(), ConfigFile.readOwn(file, builder));
    DaemonConfig config = builder.build(DEFAULTS);
    assertEquals(Path.of("/srv/transferd"), config.root());
    assertEquals(Path.of("/run/t/t.sock"), config.address());
    assertEquals("rw-------", config.socketMode());
    assertEquals(0, config.socketUid());
    assertEquals("debug", config.logLevel());
    assertEquals("127.0.0.1:9310", config.metricsAddress());
    assertEquals(8, config.maxConcurrentDownloads());
    assertEquals(3, config.maxConcurrentUploadedLayers(), "containerd's default");
    assertEquals(Duration.ofMillis(500), config.credentialTimeout());
    assertEquals(262144, config.byteStreams().window());
    assertEquals(65536, config.byteStreams().maxChunk());
    assertEquals(1048576, config.transferSettings().pushChunkSize());
    assertEquals(4194304, config.transferSettings().concurrentLayerFetchBuffer());
    assertTrue(config.transferSettings().rangedFetch());
    assertNull(config.hostsDir());
  }

  @Test
  void grpcIsOffByDefaultAndReadFromOurFileOrOurTableInContainerds() throws Exception {
    assertNull(new DaemonConfig.Builder().build(DEFAULTS).grpc());

    DaemonConfig.Builder own = new DaemonConfig.Builder();
    assertEquals(
        List.of(),
        ConfigFile.readOwn(
            write(
                "own.toml",
                """
                version = 2
                [grpc]
                address = "/run/t/content.sock"
                gid = 1001
                mode = "0660"
                """),
            own));
    assertEquals(
        new GrpcEndpoint(Path.of("/run/t/content.sock"), -1, 1001, "rw-rw----"),
        own.build(DEFAULTS).grpc());

    DaemonConfig.Builder table = new DaemonConfig.Builder();
    assertEquals(
        List.of(),
        ConfigFile.readContainerd(
            write(
                "containerd.toml",
                """
                version = 2
                [grpc]
                  address = "/run/containerd/containerd.sock"
                [plugins."dev.transferd.v1.transfer".grpc]
                  address = "/run/transferd/content.sock"
                """),
            table));
    assertEquals(
        new GrpcEndpoint(Path.of("/run/transferd/content.sock"), -1, -1, "rw-------"),
        table.build(DEFAULTS).grpc(),
        "containerd's own [grpc] is containerd's; ours is in our table");
  }

  @Test
  void unknownAndUnusedKeysAreWarnedWithTheirLines() throws Exception {
    Path file =
        write(
            "t.toml",
            """
            version = 2
            colour = "blue"

            [ttrpc]
            adress = "/typo.sock"

            [plugins."dev.transferd.v1.transfer"]
            max_concurrent_downloads = 2
            max_concurrent_unpacks = 4

            [[plugins."dev.transferd.v1.transfer".unpack_config]]
            platform = "linux/amd64"

            [plugins."io.containerd.gc.v1.scheduler"]
            pause_threshold = 0.02
            """);
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    List<String> warnings = ConfigFile.readOwn(file, builder);
    assertEquals(2, builder.build(DEFAULTS).maxConcurrentDownloads(), "known keys still apply");
    String all = String.join("\n", warnings);
    assertEquals(5, warnings.size(), all);
    assertTrue(all.contains(file + ":2: colour: unknown key"), all);
    assertTrue(all.contains(file + ":5: ttrpc.adress: unknown key"), all);
    assertTrue(
        all.contains(
            file + ":9: plugins.\"dev.transferd.v1.transfer\".max_concurrent_unpacks: containerd"),
        all);
    assertTrue(
        all.contains(file + ":11: plugins.\"dev.transferd.v1.transfer\".unpack_config: containerd"),
        all);
    assertTrue(all.contains(file + ":14: plugins.\"io.containerd.gc.v1.scheduler\": unknown"), all);
  }

  @Test
  void aValueOfTheWrongTypeIsAnErrorNamingFileLineAndKey() throws Exception {
    Path file =
        write(
            "t.toml",
            """
            # transferd
            version = 2

            [plugins."dev.transferd.v1.transfer"]
              config_path = "/etc/containerd/certs.d"
              max_concurrent_downloads = "three"
            """);
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigFile.readOwn(file, new DaemonConfig.Builder()));
    assertEquals(
        file
            + ":6: plugins.\"dev.transferd.v1.transfer\".max_concurrent_downloads must be an"
            + " integer, not the string \"three\"",
        e.getMessage());
  }

  @Test
  void badValuesNameTheirLinesWhereverTheyAreWritten() throws Exception {
    Map<String, String> cases =
        Map.of(
            "version = 7\n",
            ":1: version must be 2 (this file's layout is containerd's version 2), not 7",
            "\n[ttrpc]\nmode = \"rwx\"\n",
            ":3: ttrpc.mode must be a file mode",
            "\n\n[debug]\nlevel = \"loud\"\n",
            ":4: debug.level must be one of",
            "plugins.\"dev.transferd.v1.transfer\".shutdown_grace = \"10 seconds\"\n",
            ":1: plugins.\"dev.transferd.v1.transfer\".shutdown_grace \"10 seconds\" is not a"
                + " duration",
            "[metrics]\naddress = \"localhost\"\n",
            ":2: metrics.address must be host:port",
            "[plugins.\"dev.transferd.v1.transfer\"]\nmax_concurrent_downloads = 0\n",
            ":2: plugins.\"dev.transferd.v1.transfer\".max_concurrent_downloads must be between 1",
            "[plugins.\"dev.transferd.v1.transfer\".ttrpc]\nuid = \"root\"\n",
            ":2: plugins.\"dev.transferd.v1.transfer\".ttrpc.uid must be an integer",
            "ttrpc = 5\n",
            ":1: ttrpc must be a table, not 5",
            "[plugins.\"dev.transferd.v1.transfer\"]\npush_chunk_size = 100\n",
            ":2: plugins.\"dev.transferd.v1.transfer\".push_chunk_size must be 0 (each blob in one"
                + " PUT) or at least 1024 bytes, not 100",
            "[plugins.\"dev.transferd.v1.transfer\"]\nconcurrent_layer_fetch_buffer = -1\n",
            ":2: plugins.\"dev.transferd.v1.transfer\".concurrent_layer_fetch_buffer must be between 0"
                + " and 268435456, not -1");
    int n = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path file = write("bad" + n++ + ".toml", c.getKey());
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> ConfigFile.readOwn(file, new DaemonConfig.Builder()),
              c.getKey());
      assertTrue(e.getMessage().startsWith(file + c.getValue()), e.getMessage());
    }
  }

  @Test
  void invalidTomlIsAnErrorWithItsLine() throws Exception {
    Path file = write("t.toml", "version = 2\n\n[ttrpc\naddress = \"x\"\n");
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigFile.readOwn(file, new DaemonConfig.Builder()));
    assertTrue(e.getMessage().startsWith(file + ":3: invalid TOML"), e.getMessage());
  }

  @Test
  void aMissingFileIsAnErrorNamingIt() {
    Path file = dir.resolve("absent.toml");
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigFile.readOwn(file, new DaemonConfig.Builder()));
    assertTrue(e.getMessage().startsWith("cannot read config file " + file), e.getMessage());
  }

  @Test
  void flagsBeatOurFileWhichBeatsContainerds() throws Exception {
    Path containerd =
        write(
            "config.toml",
            """
            version = 2
            [plugins."dev.transferd.v1.transfer"]
            root = "/from/containerd"
            max_concurrent_downloads = 5
            max_concurrent_uploaded_layers = 7
            [plugins."dev.transferd.v1.transfer".debug]
            level = "warn"
            """);
    Path own =
        write(
            "transferd.toml",
            """
            root = "/from/file"
            [ttrpc]
            address = "/from/file.sock"
            [debug]
            level = "debug"
            [plugins."dev.transferd.v1.transfer"]
            max_concurrent_downloads = 4
            """);
    Transferd command = new Transferd(new PrintWriter(new StringWriter()));
    new CommandLine(command)
        .parseArgs(
            "--containerd-config",
            containerd.toString(),
            "--config",
            own.toString(),
            "--root",
            "/from/flag",
            "--log-level",
            "ERROR");
    DaemonConfig config = command.resolve(DEFAULTS, new ArrayList<>());
    assertEquals(Path.of("/from/flag"), config.root());
    assertEquals(Path.of("/from/file.sock"), config.address());
    assertEquals("error", config.logLevel());
    assertEquals(4, config.maxConcurrentDownloads());
    assertEquals(7, config.maxConcurrentUploadedLayers());
  }

  @Test
  void aBadLogLevelFlagIsAnErrorNamingTheFlag() {
    Transferd command = new Transferd(new PrintWriter(new StringWriter()));
    new CommandLine(command).parseArgs("--log-level", "chatty");
    ConfigException e =
        assertThrows(ConfigException.class, () -> command.resolve(DEFAULTS, new ArrayList<>()));
    assertTrue(e.getMessage().startsWith("--log-level must be one of"), e.getMessage());
  }

  @Test
  void withNoConfigurationRootUsesSystemPathsAndUsersTheirXdgDirectories() {
    assertEquals(
        new DefaultLocations(
            Path.of("/var/lib/transferd"), Path.of("/run/transferd/transferd.sock")),
        DefaultLocations.of(0, Map.of("XDG_RUNTIME_DIR", "/run/user/0"), Path.of("/root")));
    assertEquals(
        new DefaultLocations(
            Path.of("/data/transferd"), Path.of("/run/user/1000/transferd/transferd.sock")),
        DefaultLocations.of(
            1000,
            Map.of("XDG_DATA_HOME", "/data", "XDG_RUNTIME_DIR", "/run/user/1000"),
            Path.of("/home/u")));
    assertEquals(
        new DefaultLocations(
            Path.of("/home/u/.local/share/transferd"),
            Path.of("/tmp/transferd-1000/transferd.sock")),
        DefaultLocations.of(1000, Map.of(), Path.of("/home/u")));
  }

  @Test
  void checkConfigPrintsTheEffectiveConfigurationAndWarnings() throws Exception {
    Path own = write("t.toml", "root = \"/r\"\nbogus = 1\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Transferd.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "--config",
            own.toString(),
            "--check-config");
    assertEquals(0, code, err.toString());
    assertEquals(
        "transferd: warning: " + own + ":2: bogus: unknown key, ignored\n", err.toString());
    assertTrue(out.toString().contains("\nroot = \"/r\"\n"), out.toString());
  }

  @Test
  void anInvalidConfigExitsWithOneAndTheMessage() throws Exception {
    Path own = write("t.toml", "[ttrpc]\nuid = -5\n");
    StringWriter err = new StringWriter();
    assertEquals(1, Transferd.run(new PrintWriter(err, true), "--config", own.toString()));
    assertEquals(
        "transferd: " + own + ":2: ttrpc.uid must be between -1 and 2147483647, not -5\n",
        err.toString());
  }

  @Test
  void anUnknownFlagIsAUsageError() {
    StringWriter err = new StringWriter();
    assertEquals(2, Transferd.run(new PrintWriter(err, true), "--rooot", "/x"));
    assertTrue(err.toString().contains("Unknown options: '--rooot'"), err.toString());
  }

  @Test
  void theSampleConfigWeShipReadsWithoutWarningsAndStatesTheDefaults() throws Exception {
    Path sample = Path.of("../packaging/config.toml");
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    assertEquals(List.of(), ConfigFile.readOwn(sample, builder));
    DaemonConfig fromSample = builder.build(DEFAULTS);
    DaemonConfig defaults =
        new DaemonConfig.Builder()
            .build(
                new DefaultLocations(
                    Path.of("/var/lib/transferd"), Path.of("/run/transferd/transferd.sock")));
    assertEquals(defaults, fromSample);
  }

  @Test
  void goDurationsParseAsContainerdWritesThem() {
    assertEquals(Duration.ofSeconds(10), GoDuration.parse("10s"));
    assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
    assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
    assertEquals(Duration.ofHours(2), GoDuration.parse("2h"));
    assertEquals(Duration.ZERO, GoDuration.parse("0"));
    assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("10"));
    assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("s"));
    assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("10s "));
  }

  @Test
  void contentSharingPolicyIsContainerdsKeyWithSharedAsTheDefault() throws Exception {
    assertEquals(
        ContentSharingPolicy.SHARED, new DaemonConfig.Builder().build(DEFAULTS).contentSharing());
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    ConfigFile.readContainerd(
        write(
            "config.toml",
            """
            version = 2
            [plugins."dev.transferd.v1.transfer"]
              content_sharing_policy = "isolated"
            """),
        builder);
    assertEquals(ContentSharingPolicy.ISOLATED, builder.build(DEFAULTS).contentSharing());

    Path bad =
        write(
            "bad.toml",
            """
            [plugins."dev.transferd.v1.transfer"]
              content_sharing_policy = "private"
            """);
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigFile.readOwn(bad, new DaemonConfig.Builder()));
    assertEquals(
        bad
            + ":2: plugins.\"dev.transferd.v1.transfer\".content_sharing_policy must be"
            + " \"shared\" or \"isolated\", not \"private\"",
        e.getMessage());
  }

  @Test
  void ingestGraceIsMinutesByDefaultAndAGoDuration() throws Exception {
    assertEquals(Duration.ofMinutes(10), new DaemonConfig.Builder().build(DEFAULTS).ingestGrace());
    DaemonConfig.Builder builder = new DaemonConfig.Builder();
    ConfigFile.readOwn(
        write(
            "grace.toml",
            """
            [plugins."dev.transferd.v1.transfer"]
              ingest_grace = "90s"
            """),
        builder);
    assertEquals(Duration.ofSeconds(90), builder.build(DEFAULTS).ingestGrace());
  }
}
