package dev.transferd.plugin.web.console;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The console's transfers, running and recently ended, for the operations page and each upload's
 * progress. Bounded: at most {@link #KEPT_ENDED} ended operations are kept. Thread-safe.
 */
final class Operations {
  static final int KEPT_ENDED = 50;

  /** One transfer; the handler thread updates it, page requests read it. */
  static final class Operation {
    final String id;
    final String kind;
    final String subject;
    final Instant started = Instant.now();
    final AtomicLong bytes = new AtomicLong();
    volatile long total = -1;
    volatile String state = "running";
    volatile String event = "";
    volatile String message = "";
    volatile Instant ended;
    private long version; // guarded by this
    private final Map<String, long[]> blobs = new ConcurrentHashMap<>();

    Operation(String id, String kind, String subject) {
      this.id = id;
      this.kind = kind;
      this.subject = subject;
    }

    void end(String state, String message) {
      this.message = message;
      this.ended = Instant.now();
      this.state = state;
      changed();
    }

    /** Records a transfer event; per-blob byte counts add up to the operation's. */
    void progress(String event, String blob, long done, long of) {
      this.event = event;
      if (!blob.isEmpty() && (done > 0 || of > 0)) {
        blobs.put(blob, new long[] {done, of});
        bytes.set(blobs.values().stream().mapToLong(b -> b[0]).sum());
        total = blobs.values().stream().mapToLong(b -> b[1]).sum();
      }
      changed();
    }

    synchronized void changed() {
      version++;
      notifyAll();
    }

    /**
     * Waits until the operation changes after {@code seen} or {@code timeoutMillis} pass.
     *
     * @return the version now
     */
    synchronized long awaitChange(long seen, long timeoutMillis) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (version == seen && ended == null) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          break;
        }
        wait(left);
      }
      return version;
    }

    Map<String, Object> view() {
      return Map.of(
          "id", id,
          "kind", kind,
          "subject", subject,
          "state", state,
          "event", event,
          "message", message,
          "bytes", bytes.get(),
          "total", total,
          "started", started.toString());
    }
  }

  private final Map<String, Operation> all = new ConcurrentHashMap<>();

  /** Registers a new running operation; {@code id} from the page (so it can follow it) or made. */
  Operation start(String id, String kind, String subject) {
    String key =
        id != null && id.matches("[A-Za-z0-9-]{8,64}") && !all.containsKey(id)
            ? id
            : java.util.UUID.randomUUID().toString();
    Operation op = new Operation(key, kind, subject);
    all.put(key, op);
    prune();
    synchronized (this) {
      notifyAll();
    }
    return op;
  }

  /** Waits until an operation starts or {@code millis} pass. */
  synchronized void awaitStart(long millis) throws InterruptedException {
    if (millis > 0) {
      wait(millis);
    }
  }

  Operation get(String id) {
    return id == null ? null : all.get(id);
  }

  /** Running ones first, then the most recent. */
  List<Map<String, Object>> views() {
    List<Operation> ops = new ArrayList<>(all.values());
    ops.sort(
        (a, b) -> {
          boolean ar = a.ended == null;
          boolean br = b.ended == null;
          if (ar != br) {
            return ar ? -1 : 1;
          }
          return b.started.compareTo(a.started);
        });
    return ops.stream().map(Operation::view).toList();
  }

  private void prune() {
    List<Operation> ended =
        all.values().stream()
            .filter(o -> o.ended != null)
            .sorted((a, b) -> b.ended.compareTo(a.ended))
            .toList();
    ended.stream().skip(KEPT_ENDED).forEach(o -> all.remove(o.id));
  }
}
