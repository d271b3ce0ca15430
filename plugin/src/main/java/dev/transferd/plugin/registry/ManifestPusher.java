package dev.transferd.plugin.registry;

import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * Puts a manifest or index ({@code PUT /v2/<repo>/manifests/<tag|digest>}, {@code Content-Type} its
 * media type), bytes as stored: never re-serialized, so the digest stays.
 */
final class ManifestPusher {
  private final RegistryRepository repo;
  private final BlobPusher blobs;

  ManifestPusher(RegistryRepository repo, BlobPusher blobs) {
    this.repo = repo;
    this.blobs = blobs;
  }

  void push(Descriptor desc, byte[] bytes, String tagOrDigest) throws InterruptedException {
    RegistryHost host = blobs.host();
    String kind = MediaTypes.refKind(desc.getMediaType());
    RegistryHttp.Call put =
        new RegistryHttp.Call(
            repo.what("push " + kind, desc.getDigest(), "to"),
            "PUT",
            host,
            repo.uri(host, "manifests/" + tagOrDigest, null),
            Map.of("Content-Type", desc.getMediaType()),
            () -> HttpRequest.BodyPublishers.ofByteArray(bytes),
            repo.pushScope());
    HttpResponse<InputStream> r = repo.http().send(put);
    if (r.statusCode() == 400 && MediaTypes.isIndex(desc.getMediaType())) {
      RegistryException e = RegistryHttp.failure(put, r);
      throw new RegistryException(
          StatusCode.FAILED_PRECONDITION,
          e.getMessage()
              + ": manifest list/index references to blobs and/or manifests are missing in your"
              + " target registry");
    }
    if (r.statusCode() != 201 && r.statusCode() != 200) {
      throw RegistryHttp.failure(put, r);
    }
    RegistryHttp.close(r);
    String echoed = r.headers().firstValue("Docker-Content-Digest").orElse("");
    if (!echoed.isEmpty() && !echoed.equals(desc.getDigest())) {
      throw new RegistryException(
          StatusCode.DATA_LOSS, put.what() + ": the registry stored it as " + echoed);
    }
  }
}
