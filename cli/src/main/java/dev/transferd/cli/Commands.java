package dev.transferd.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * transferctl's commands, added to the root command lazily: picocli builds a command's model by
 * reflection when it is added, and its classes (Java 5 bytecode) cannot be kept in the class-data
 * sharing archive, so a run adds only the command its arguments name. When they name none (help,
 * version, a typo), every command is added, so help lists them all and picocli's errors suggest the
 * right one.
 */
final class Commands {
  /** Command names and aliases, in help order; one factory per command. */
  private static final Map<String, Supplier<Object>> BY_NAME = new LinkedHashMap<>();

  private static final List<String> PRIMARY =
      List.of(
          "pull", "push", "copy", "import", "export", "tag", "unpack", "repack", "images",
          "content", "leases", "gc", "version");

  /** The root's options that take a value in the next argument. */
  private static final Set<String> VALUED_OPTIONS =
      Set.of("--address", "-n", "--namespace", "--progress");

  static {
    BY_NAME.put("pull", PullCommand::new);
    BY_NAME.put("push", PushCommand::new);
    BY_NAME.put("copy", CopyCommand::new);
    BY_NAME.put("import", ImportCommand::new);
    BY_NAME.put("export", ExportCommand::new);
    BY_NAME.put("tag", TagCommand::new);
    for (String name : List.of("images", "image", "i")) {
      BY_NAME.put(name, ImagesCommand::new);
    }
    BY_NAME.put("content", ContentCommand::new);
    BY_NAME.put("leases", LeasesCommand::new);
    BY_NAME.put("gc", GcCommand::new);
    BY_NAME.put("version", VersionCommand::new);
    BY_NAME.put("unpack", UnpackCommand::new);
    BY_NAME.put("repack", RepackCommand::new);
  }

  private Commands() {}

  /**
   * Adds to {@code root} the command {@code args} names, or all of them, and {@code help}; every
   * command, at every level, takes {@code -h}/{@code --help}.
   */
  static void addTo(CommandLine root, String... args) {
    String named = commandIn(args);
    if (named != null) {
      root.addSubcommand(BY_NAME.get(named).get());
    } else {
      for (String name : PRIMARY) {
        root.addSubcommand(BY_NAME.get(name).get());
      }
      root.addSubcommand("help", new CommandLine.HelpCommand());
    }
    root.getSubcommands().values().forEach(Commands::withHelp);
  }

  private static void withHelp(CommandLine command) {
    // aliases map to the same command, which gets the options once
    if (!(command.getCommand() instanceof CommandLine.HelpCommand)
        && !command.getCommandSpec().mixinStandardHelpOptions()) {
      command.getCommandSpec().mixinStandardHelpOptions(true);
    }
    command.getSubcommands().values().forEach(Commands::withHelp);
  }

  /** The first argument that is not a root option or its value, if it names a command. */
  static String commandIn(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (VALUED_OPTIONS.contains(a)) {
        i++;
      } else if (!a.startsWith("-") || a.equals("-")) {
        return BY_NAME.containsKey(a) ? a : null;
      }
    }
    return null;
  }
}
