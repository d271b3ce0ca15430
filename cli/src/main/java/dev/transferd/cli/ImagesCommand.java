package dev.transferd.cli;

import dev.transferd.cli.progress.ByteSizes;
import dev.transferd.proto.images.v1.Image;
import dev.transferd.ttrpc.TtrpcException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transferctl images ls|inspect|rm}: the image store, as {@code ctr images}. */
@Command(
    name = "images",
    aliases = {"image", "i"},
    description = "List, inspect and remove stored images.",
    subcommands = {
      ImagesCommand.List.class,
      ImagesCommand.Inspect.class,
      ImagesCommand.Remove.class
    })
final class ImagesCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageException("images needs a command: ls, inspect or rm");
  }

  @Command(name = "ls", aliases = "list", description = "List stored images.")
  static final class List extends Subcommand {
    @Option(
        names = {"-q", "--quiet"},
        description = "print only the names")
    boolean quiet;

    @Parameters(
        paramLabel = "FILTER",
        arity = "0..*",
        description = "containerd filters, e.g. name~=alpine")
    java.util.List<String> filters = new ArrayList<>();

    @Override
    void run(Transferctl cli) {
      java.util.List<Image> images;
      try {
        images = new ArrayList<>(cli.api().listImages(filters));
      } catch (TtrpcException e) {
        throw new CommandFailedException("list images", e);
      }
      images.sort(Comparator.comparing(Image::getName));
      if (quiet) {
        StringBuilder names = new StringBuilder();
        images.forEach(i -> names.append(i.getName()).append('\n'));
        cli.out.print(names);
        return;
      }
      Table table = new Table("REF", "TYPE", "DIGEST", "SIZE", "LABELS");
      for (Image image : images) {
        table.add(
            image.getName(),
            image.getTarget().getMediaType(),
            image.getTarget().getDigest(),
            ByteSizes.format(image.getTarget().getSize()),
            Formats.labels(image.getLabelsMap()));
      }
      table.print(cli.out);
    }
  }

  @Command(name = "inspect", description = "Show a stored image's record.")
  static final class Inspect extends Subcommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "stored images")
    java.util.List<String> names;

    @Override
    void run(Transferctl cli) {
      for (String name : names) {
        Image image;
        try {
          image = cli.api().getImage(name);
        } catch (TtrpcException e) {
          throw new CommandFailedException("inspect " + name, e);
        }
        Map<String, Object> target = new TreeMap<>();
        target.put("mediaType", image.getTarget().getMediaType());
        target.put("digest", image.getTarget().getDigest());
        target.put("size", image.getTarget().getSize());
        if (image.getTarget().getAnnotationsCount() > 0) {
          target.put("annotations", new TreeMap<>(image.getTarget().getAnnotationsMap()));
        }
        Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("name", image.getName());
        record.put("target", target);
        record.put("labels", new TreeMap<>(image.getLabelsMap()));
        if (image.hasCreatedAt()) {
          record.put("createdAt", Formats.instant(image.getCreatedAt()).toString());
        }
        if (image.hasUpdatedAt()) {
          record.put("updatedAt", Formats.instant(image.getUpdatedAt()).toString());
        }
        cli.out.println(Json.write(record));
      }
    }
  }

  @Command(
      name = "rm",
      aliases = {"remove", "delete"},
      description = "Remove stored images.")
  static final class Remove extends Subcommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "stored images")
    java.util.List<String> names;

    @Option(names = "--sync", description = "wait for garbage collection of their content")
    boolean sync;

    @Override
    void run(Transferctl cli) {
      for (String name : names) {
        try {
          cli.api().deleteImage(name, sync);
        } catch (TtrpcException e) {
          throw new CommandFailedException("remove " + name, e);
        }
        cli.out.println(name);
      }
    }
  }
}
