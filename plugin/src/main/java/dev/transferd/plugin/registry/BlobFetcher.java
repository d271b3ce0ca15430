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
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(?:\\d+|\\*)");

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
              offset > 0
                  ? (manifest
                      ? Map.of("Range", "bytes=" + offset + "-", "Accept", manifestAccept)
                      : Map.of("Range", "bytes=" + offset + "-"))
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
        if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
          RegistryHttp.close(r);
          throw new RegistryException(
              StatusCode.DATA_LOSS,
              what
                  + ": "
                  + host.authority()
                  + " answered range \""
                  + range
                  + "\" for offset "
                  + offset);
        }
        return r.body();
      }
      if (status == 200) {
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
