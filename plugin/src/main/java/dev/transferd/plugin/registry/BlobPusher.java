package dev.transferd.plugin.registry;

import dev.transferd.plugin.registry.RegistryHost.Capability;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Uploads blobs to the first push-capable host (docs/protocol/transfer.md §8.2): {@code HEAD}
 * existence check, a cross-repository mount ({@code POST .../blobs/uploads/?mount=&from=}), then a
 * monolithic {@code PUT ?digest=} or, with a chunk size, {@code PATCH} chunks with {@code
 * Content-Range} and a final {@code PUT}. A chunk is sent once: one cut off midway, refused ({@code
 * 416}) or failed with a retryable status makes the pusher ask the session where it stands ({@code
 * GET} of the upload URL, {@code Range: 0-N}) and continue from there, with the retry policy's
 * backoff. A session the registry no longer knows (404; distribution 2.8 also refuses a session
 * whose state token is older than the bytes it holds, as after a chunk that reached it in part) is
 * started again, once.
 */
final class BlobPusher {
  private static final Pattern RANGE = Pattern.compile("(?:bytes=)?0-(\\d+)");

  /** What a push did. */
  enum Outcome {
    EXISTS,
    MOUNTED,
    UPLOADED
  }

  private final RegistryRepository repo;
  private final long chunkSize;

  BlobPusher(RegistryRepository repo, long chunkSize) {
    this.repo = repo;
    this.chunkSize = chunkSize;
  }

  RegistryHost host() {
    List<RegistryHost> hosts = repo.hosts(Capability.PUSH);
    if (hosts.isEmpty()) {
      throw new RegistryException(
          StatusCode.FAILED_PRECONDITION, "push to " + repo.ref() + ": no host may push");
    }
    return hosts.getFirst();
  }

  /** Whether the repository has the blob or manifest {@code desc}. */
  boolean exists(Descriptor desc) throws InterruptedException {
    RegistryHost host = host();
    boolean manifest =
        MediaTypes.isManifest(desc.getMediaType()) || MediaTypes.isIndex(desc.getMediaType());
    RegistryHttp.Call call =
        new RegistryHttp.Call(
            repo.what("check " + MediaTypes.refKind(desc.getMediaType()), desc.getDigest(), "in"),
            "HEAD",
            host,
            repo.uri(host, (manifest ? "manifests/" : "blobs/") + desc.getDigest(), null),
            manifest ? Map.of("Accept", MediaTypes.MANIFEST_ACCEPT) : Map.of(),
            null,
            repo.pushScope());
    HttpResponse<InputStream> r = repo.http().send(call);
    RegistryHttp.close(r);
    return switch (r.statusCode()) {
      case 200 -> true;
      case 404 -> false;
      default -> throw RegistryHttp.failure(call, r);
    };
  }

  /**
   * Pushes {@code desc}, trying a mount from each of {@code mountFrom} (repositories on the same
   * registry, best first) before uploading.
   */
  Outcome push(Descriptor desc, BlobSource source, List<String> mountFrom)
      throws InterruptedException {
    RegistryHost host = host();
    String what =
        repo.what("push " + MediaTypes.refKind(desc.getMediaType()), desc.getDigest(), "to");
    URI location = null;
    for (String from : mountFrom) {
      if (from.equals(repo.ref().repository())) {
        continue;
      }
      List<String> scopes = new ArrayList<>(repo.pushScope());
      scopes.add("repository:" + from + ":pull");
      RegistryHttp.Call mount =
          new RegistryHttp.Call(
              what + " (mount from " + from + ")",
              "POST",
              host,
              repo.uri(
                  host,
                  "blobs/uploads/",
                  "mount=" + encode(desc.getDigest()) + "&from=" + encode(from)),
              Map.of(),
              null,
              scopes);
      HttpResponse<InputStream> r;
      try {
        r = repo.http().send(mount);
      } catch (RegistryException e) {
        continue; // an unauthorized or failed mount falls back to an upload
      }
      RegistryHttp.close(r);
      if (r.statusCode() == 201) {
        return Outcome.MOUNTED;
      }
      if (r.statusCode() == 202 && r.headers().firstValue("Location").isPresent()) {
        location = mount.uri().resolve(r.headers().firstValue("Location").get());
        break;
      }
    }
    for (int session = 0; ; session++) {
      if (location == null) {
        location = startUpload(host, what);
      }
      try {
        if (chunkSize > 0) {
          uploadChunked(host, what, desc, source, location);
        } else {
          uploadWhole(host, what, desc, source, location);
        }
        return Outcome.UPLOADED;
      } catch (RegistryException e) {
        // A session the registry forgot (404 BLOB_UPLOAD_UNKNOWN): start one more, once.
        if (e.code() != StatusCode.NOT_FOUND || session > 0) {
          throw e;
        }
        location = null;
      }
    }
  }

  private URI startUpload(RegistryHost host, String what) throws InterruptedException {
    RegistryHttp.Call post =
        new RegistryHttp.Call(
            what,
            "POST",
            host,
            repo.uri(host, "blobs/uploads/", null),
            Map.of(),
            null,
            repo.pushScope());
    HttpResponse<InputStream> r = repo.http().send(post);
    if (r.statusCode() != 202 || r.headers().firstValue("Location").isEmpty()) {
      throw RegistryHttp.failure(post, r);
    }
    RegistryHttp.close(r);
    return post.uri().resolve(r.headers().firstValue("Location").get());
  }

  private void uploadWhole(
      RegistryHost host, String what, Descriptor desc, BlobSource source, URI location)
      throws InterruptedException {
    long size = desc.getSize();
    complete(host, what, desc, location, () -> body(source, 0, size));
  }

  private void uploadChunked(
      RegistryHost host, String what, Descriptor desc, BlobSource source, URI location)
      throws InterruptedException {
    long size = desc.getSize();
    long offset = 0;
    long furthest = 0;
    int stalls = 0;
    while (offset < size) {
      long start = offset;
      long length = Math.min(chunkSize, size - start);
      RegistryHttp.Call patch =
          new RegistryHttp.Call(
              what,
              "PATCH",
              host,
              location,
              Map.of(
                  "Content-Type",
                  "application/octet-stream",
                  "Content-Range",
                  start + "-" + (start + length - 1)),
              () -> body(source, start, length),
              repo.pushScope());
      String failed;
      HttpResponse<InputStream> r = null;
      try {
        r = repo.http().sendOnce(patch);
        failed =
            r.statusCode() == 416 || RetryPolicy.retryable(r.statusCode())
                ? "HTTP " + r.statusCode()
                : null;
      } catch (RegistryException e) {
        if (e.code() != StatusCode.UNAVAILABLE) {
          throw e;
        }
        failed =
            e.getCause() instanceof IOException io ? RegistryHttp.describe(io) : e.getMessage();
      }
      if (failed != null) {
        // Interrupted or refused: ask the session how much it holds and go on from there (a
        // session the registry no longer knows is NOT_FOUND, which starts a new one).
        if (r != null) {
          RegistryHttp.close(r);
        }
        if (++stalls >= repo.http().maxAttempts()) {
          throw new RegistryException(
              StatusCode.UNAVAILABLE,
              what + ": the upload made no progress from byte " + furthest + ": " + failed);
        }
        repo.http().backOff(patch, stalls, failed);
        Session session = uploadedSoFar(host, what, location);
        location = session.location();
        offset = session.offset();
        continue;
      }
      if (r.statusCode() != 202) {
        throw RegistryHttp.failure(patch, r);
      }
      RegistryHttp.close(r);
      location = r.headers().firstValue("Location").map(location::resolve).orElse(location);
      offset = r.headers().firstValue("Range").map(BlobPusher::endOfRange).orElse(start + length);
      if (offset > furthest) {
        furthest = offset;
        stalls = 0;
      }
    }
    complete(host, what, desc, location, null);
  }

  /**
   * Ends the upload at {@code location} with the PUT that names the digest, carrying {@code body}
   * (the whole blob, or null when the chunks already sent it all).
   */
  private void complete(
      RegistryHost host, String what, Descriptor desc, URI location, RegistryHttp.Body body)
      throws InterruptedException {
    RegistryHttp.Call put =
        new RegistryHttp.Call(
            what,
            "PUT",
            host,
            withDigest(location, desc.getDigest()),
            Map.of("Content-Type", "application/octet-stream"),
            body,
            repo.pushScope());
    finish(put, repo.http().send(put));
  }

  /** Where an upload session stands: the URL to go on with and the next offset to send. */
  private record Session(URI location, long offset) {}

  private Session uploadedSoFar(RegistryHost host, String what, URI location)
      throws InterruptedException {
    RegistryHttp.Call status =
        new RegistryHttp.Call(
            what + " (upload status)", "GET", host, location, Map.of(), null, repo.pushScope());
    HttpResponse<InputStream> r = repo.http().send(status);
    if (r.statusCode() != 204 && r.statusCode() != 200) {
      throw RegistryHttp.failure(status, r);
    }
    RegistryHttp.close(r);
    return new Session(
        r.headers().firstValue("Location").map(location::resolve).orElse(location),
        r.headers().firstValue("Range").map(BlobPusher::endOfRange).orElse(0L));
  }

  /**
   * The offset after {@code 0-N}. distribution answers {@code 0-0} for an empty session as for one
   * byte; this client sends whole chunks of at least 1 KiB, so it means empty.
   */
  private static long endOfRange(String range) {
    Matcher m = RANGE.matcher(range.trim());
    if (!m.matches()) {
      return 0;
    }
    long last = Long.parseLong(m.group(1));
    return last == 0 ? 0 : last + 1;
  }

  private static void finish(RegistryHttp.Call put, HttpResponse<InputStream> r) {
    if (r.statusCode() != 201 && r.statusCode() != 204 && r.statusCode() != 200) {
      throw RegistryHttp.failure(put, r);
    }
    RegistryHttp.close(r);
  }

  private static URI withDigest(URI location, String digest) {
    String s = location.toString();
    return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + encode(digest));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static HttpRequest.BodyPublisher body(BlobSource source, long offset, long length) {
    if (length == 0) {
      return HttpRequest.BodyPublishers.noBody();
    }
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(
            () -> {
              try {
                return new Bounded(source.open(offset), length);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
              }
            }),
        length);
  }

  /** At most {@code remaining} bytes of {@code in}; closes it at the end. */
  private static final class Bounded extends FilterInputStream {
    private long remaining;

    Bounded(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
