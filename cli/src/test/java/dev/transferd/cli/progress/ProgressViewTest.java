package dev.transferd.cli.progress;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.streams.client.ProgressEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pull event sequence of docs/protocol/transfer.md §6.2 drawn as lines and as ctr's table. */
class ProgressViewTest {
  private static final String R = "OCI Registry (localhost:5000/app:1)";
  private static final String IMAGE = "localhost:5000/app:1";
  private static final String MANIFEST = "manifest-sha256:aaaa";
  private static final String LAYER = "layer-sha256:bbbb";
  private static final String CONFIG = "config-sha256:cccc";

  private static ProgressEvent status(String event) {
    return new ProgressEvent(event, "", List.of(), 0, 0, Optional.empty());
  }

  private static ProgressEvent blob(String event, String name, String parent, long p, long t) {
    return new ProgressEvent(
        event, name, parent == null ? List.of() : List.of(parent), p, t, Optional.empty());
  }

  private static final List<ProgressEvent> PULL =
      List.of(
          status("Resolving from " + R),
          status("Pulling from " + R),
          blob("fetching image content", IMAGE, null, 0, 0),
          blob("waiting", MANIFEST, IMAGE, 0, 500),
          blob("complete", MANIFEST, IMAGE, 500, 500),
          blob("waiting", LAYER, MANIFEST, 0, 3 << 20),
          blob("downloading", LAYER, MANIFEST, 1 << 20, 3 << 20),
          blob("downloading", LAYER, MANIFEST, 2 << 20, 3 << 20),
          blob("complete", LAYER, MANIFEST, 3 << 20, 3 << 20),
          blob("waiting", CONFIG, MANIFEST, 0, 1000),
          blob("already exists", CONFIG, null, 1000, 1000),
          blob("saved", IMAGE, null, 0, 0),
          status("Completed pull from " + R));

  private static String text(ByteArrayOutputStream out) {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainLinesShowEveryStatusAndEachStateChangeOnce() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressView view = ProgressView.lines(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    PULL.forEach(view::onProgress);
    assertEquals(
        String.join(
            "\n",
            "Resolving from " + R,
            "Pulling from " + R,
            IMAGE + ": fetching image content",
            MANIFEST + ": waiting 0 B/500 B",
            MANIFEST + ": complete 500 B/500 B",
            LAYER + ": waiting 0 B/3.0 MiB",
            LAYER + ": downloading 1.0 MiB/3.0 MiB",
            LAYER + ": complete 3.0 MiB/3.0 MiB",
            CONFIG + ": waiting 0 B/1000 B",
            CONFIG + ": already exists 1000 B/1000 B",
            IMAGE + ": saved",
            "Completed pull from " + R,
            ""),
        text(bytes));
  }

  @Test
  void theSummaryCountsTransferredBlobsAndThoseAlreadyPresent() {
    ProgressView view = ProgressView.summaryOnly(new PrintStream(new ByteArrayOutputStream()));
    PULL.forEach(view::onProgress);
    assertEquals((3 << 20) + 500, view.board.completedBytes());
    String line =
        view.summary(
            "pulled " + IMAGE, view.board.completedBytes(), java.time.Duration.ofSeconds(2));
    assertEquals(
        "pulled " + IMAGE + ": 3.0 MiB in 2.0s (1.5 MiB/s), 2 blobs transferred, 1 already present",
        line);
  }

  @Test
  void theTableShowsRowsNestedUnderTheirParentsWithBarsAndRedrawsInPlace() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LiveTable table = new LiveTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), 100);
    for (ProgressEvent e : PULL.subList(0, 7)) {
      table.onProgress(e);
    }
    List<String> midway = table.render();
    assertTrue(midway.get(0).startsWith("Pulling from " + R), midway.get(0));
    assertEquals(4, midway.size(), String.join("\n", midway));
    assertTrue(midway.get(1).startsWith(IMAGE + " "), midway.get(1));
    assertTrue(midway.get(2).startsWith("  " + MANIFEST + " "), midway.get(2));
    assertTrue(midway.get(3).startsWith("    " + LAYER + " "), midway.get(3));
    assertTrue(
        midway.get(3).endsWith("downloading     |++++++++++--------------------| 1.0 MiB/3.0 MiB"),
        midway.get(3));
    // the ticker has drawn a second frame over the first before the rest arrives
    await().atMost(Duration.ofSeconds(10)).until(() -> text(bytes).contains("\u001b[4F"));
    for (ProgressEvent e : PULL.subList(7, PULL.size())) {
      table.onProgress(e);
    }
    table.finish("pulled", -1);
    String drawn = text(bytes);
    assertTrue(drawn.contains("\u001b[4F"), "later frames move up over the earlier one");
    String[] lines = drawn.split("\n");
    assertTrue(lines[lines.length - 1].startsWith("pulled: 3.0 MiB in "), lines[lines.length - 1]);
    String lastLayer = lines[lines.length - 3]; // above the config row and the summary
    assertTrue(
        lastLayer.endsWith("complete        |++++++++++++++++++++++++++++++| 3.0 MiB/3.0 MiB"),
        lastLayer);
  }

  @Test
  void byteSizesReadLikeCtrs() {
    assertEquals("0 B", ByteSizes.format(0));
    assertEquals("1023 B", ByteSizes.format(1023));
    assertEquals("1.0 KiB", ByteSizes.format(1024));
    assertEquals("1.5 MiB", ByteSizes.format(3 << 19));
    assertEquals("2.0 GiB", ByteSizes.format(2L << 30));
  }

  @Test
  void aTableShowsAnArchiveCountedHereWithBytesRateAndABar() {
    LiveTable table = new LiveTable(new PrintStream(java.io.OutputStream.nullOutputStream()), 120);
    java.util.concurrent.atomic.AtomicLong sent =
        new java.util.concurrent.atomic.AtomicLong(512 << 10);
    table.watch(new ByteMeter("app.tar", "sending", sent::get, 1 << 20));
    List<String> lines = table.render();
    table.abandon();
    String last = lines.getLast();
    assertTrue(last.startsWith("app.tar "), last);
    assertTrue(last.contains(" sending "), last);
    assertTrue(
        last.contains(" |" + "+".repeat(15) + "-".repeat(15) + "| 512.0 KiB/1.0 MiB  "), last);
    assertTrue(last.matches(".* [0-9.]+ [KMG]?i?B/s"), last);
  }
}
