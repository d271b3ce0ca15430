package dev.transferd.plugin.registry;

import dev.transferd.plugin.registry.RegistryHost.Capability;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a blob or a manifest by digest ({@code GET /v2/<repo>/blobs/<digest>} or {@code
 * .../manifests/<digest>}) from the first pull-capable host that has it, from an offset with a
 * {@code Range} request: a 206 continues there; a 200 (the server ignored the range) is skipped
 * forward to the offset.
 */
final class BlobFetcher {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(?:\\d+|\\*)");

  private final RegistryRepository repo;
  private final String manifestAccept;

  BlobFetcher(RegistryRepository repo, String manifestAccept) {
    this.repo = repo;
    this.manifestAccept = manifestAccept;
  }

  /**
   * The blob's bytes from {@code offset}; the caller closes the stream. Read failures surface as
   * {@link IOException} from the stream: the caller resumes with a new fetch from where it got.
   */
  InputStream fetch(Descriptor desc, long offset) throws InterruptedException {
    return fetch(desc, offset, -1);
  }

  /**
   * {@code length} bytes of the blob from {@code offset} ({@code Range: bytes=offset-end}), or null
   * when the registry ignores ranges (answers 200 with the whole blob), for a parallel ranged
   * download to fall back to one stream.
   */
  InputStream fetchRange(Descriptor desc, long offset, long length) throws InterruptedException {
    if (length <= 0) {
      throw new IllegalArgumentException("a range needs a positive length, not " + length);
    }
    return fetch(desc, offset, length);
  }

  private InputStream fetch(Descriptor desc, long offset, long length) throws InterruptedException {
    boolean bounded = length > 0;
    String rangeHeader =
        offset > 0 || bounded
            ? "bytes=" + offset + "-" + (bounded ? Long.toString(offset + length - 1) : "")
            : null;
    boolean manifest =
        MediaTypes.isManifest(desc.getMediaType()) || MediaTypes.isIndex(desc.getMediaType());
    String what =
        repo.what("pull " + MediaTypes.refKind(desc.getMediaType()), desc.getDigest(), "from");
    RegistryException last = null;
    for (RegistryHost host : repo.hosts(Capability.PULL)) {
      RegistryHttp.Call call =
          new RegistryHttp.Call(
              what,
              "GET",
              host,
              repo.uri(host, (manifest ? "manifests/" : "blobs/") + desc.getDigest(), null),
              rangeHeader != null
                  ? (manifest
                      ? Map.of("Range", rangeHeader, "Accept", manifestAccept)
                      : Map.of("Range", rangeHeader))
                  : (manifest ? Map.of("Accept", manifestAccept) : Map.of()),
              null,
              repo.pullScope());
      HttpResponse<InputStream> r;
      try {
        r = repo.http().send(call);
      } catch (RegistryException e) {
        if (e.code() == StatusCode.UNAVAILABLE) {
          last = e;
          continue;
        }
        throw e;
      }
      int status = r.statusCode();
      if (status == 404) {
        last = RegistryHttp.failure(call, r);
        continue;
      }
      if (status == 206) {
        String range = r.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches()
            || Long.parseLong(m.group(1)) != offset
            || (bounded && Long.parseLong(m.group(2)) != offset + length - 1)) {
          RegistryHttp.close(r);
          throw new RegistryException(
              StatusCode.DATA_LOSS,
              what
                  + ": "
                  + host.authority()
                  + " answered range \""
                  + range
                  + "\" for \""
                  + rangeHeader
                  + "\"");
        }
        return r.body();
      }
      if (status == 200) {
        if (bounded) {
          RegistryHttp.close(r);
          return null;
        }
        InputStream body = r.body();
        try {
          body.skipNBytes(offset);
        } catch (IOException e) {
          RegistryHttp.close(r);
          throw new RegistryException(
              StatusCode.UNAVAILABLE, what + ": " + RegistryHttp.describe(e), e);
        }
        return body;
      }
      throw RegistryHttp.failure(call, r);
    }
    throw last != null
        ? last
        : new RegistryException(StatusCode.NOT_FOUND, what + ": no host may pull it");
  }
}
