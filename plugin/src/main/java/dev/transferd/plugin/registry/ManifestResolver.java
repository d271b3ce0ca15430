package dev.transferd.plugin.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.transferd.plugin.registry.RegistryHost.Capability;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * Resolves a reference to its root descriptor (docs/protocol/transfer.md §8.1 step 2): {@code HEAD
 * /v2/<repo>/manifests/<tag|digest>} on each resolve-capable host in turn, {@code GET} when the
 * HEAD answer lacks the digest, type or size (or HEAD is refused). Docker schema 1 is refused.
 */
final class ManifestResolver {
  /** Manifests larger than this are refused (containerd's limit). */
  static final int MAX_MANIFEST = 4 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The root descriptor and, when a GET was needed, the manifest bytes. */
  record Resolved(Descriptor descriptor, byte[] bytes) {}

  private final RegistryRepository repo;
  private final String accept;

  ManifestResolver(RegistryRepository repo, String accept) {
    this.repo = repo;
    this.accept = accept;
  }

  Resolved resolve() throws InterruptedException {
    ImageRef ref = repo.ref();
    RegistryException last = null;
    for (RegistryHost host : repo.hosts(Capability.RESOLVE)) {
      RegistryHttp.Call head = call(host, "HEAD");
      HttpResponse<InputStream> r;
      try {
        r = repo.http().send(head);
      } catch (RegistryException e) {
        if (e.code() == StatusCode.UNAVAILABLE) {
          last = e;
          continue;
        }
        throw e;
      }
      RegistryHttp.close(r);
      if (r.statusCode() == 404) {
        last = notFound(host);
        continue;
      }
      if (r.statusCode() == 200) {
        String digest = r.headers().firstValue("Docker-Content-Digest").orElse("");
        String type = mediaType(r.headers().firstValue("Content-Type").orElse(""));
        long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        refuseSchema1(type);
        if (!digest.isEmpty() && !type.isEmpty() && size > 0 && !type.equals("application/json")) {
          if (ref.digest() != null && !ref.digest().equals(digest)) {
            throw mismatch(host, digest);
          }
          return new Resolved(descriptor(type, digest, size), null);
        }
      } else if (r.statusCode() != 405 && r.statusCode() != 400) {
        throw RegistryHttp.failure(head, r);
      }
      Resolved got = get(host);
      if (got != null) {
        return got;
      }
      last = notFound(host);
    }
    throw last != null
        ? last
        : new RegistryException(
            StatusCode.NOT_FOUND, "resolve " + ref + ": no host may resolve it");
  }

  private Resolved get(RegistryHost host) throws InterruptedException {
    ImageRef ref = repo.ref();
    RegistryHttp.Call get = call(host, "GET");
    HttpResponse<InputStream> r = repo.http().send(get);
    if (r.statusCode() == 404) {
      RegistryHttp.close(r);
      return null;
    }
    if (r.statusCode() != 200) {
      throw RegistryHttp.failure(get, r);
    }
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = in.readNBytes(MAX_MANIFEST + 1);
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.UNAVAILABLE, "resolve " + ref + ": " + RegistryHttp.describe(e), e);
    }
    if (bytes.length > MAX_MANIFEST) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT, "resolve " + ref + ": manifest larger than 4 MiB");
    }
    String type = mediaType(r.headers().firstValue("Content-Type").orElse(""));
    refuseSchema1(type);
    String bodyType = "";
    try {
      JsonNode json = JSON.readTree(bytes);
      bodyType = json.path("mediaType").asText("");
      if (json.path("schemaVersion").asInt(2) == 1) {
        refuseSchema1(MediaTypes.DOCKER_SCHEMA1);
      }
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT, "resolve " + ref + ": the manifest is not JSON");
    }
    if (type.isEmpty() || type.equals("application/json") || type.equals("text/plain")) {
      type = bodyType;
    }
    if (type.isEmpty()) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT, "resolve " + ref + ": the manifest has no media type");
    }
    String digest;
    if (ref.digest() != null) {
      Digest want = Digest.parse(ref.digest());
      java.security.MessageDigest hasher = want.newHasher();
      hasher.update(bytes);
      digest = Digest.format(want.algorithm(), hasher);
      if (!digest.equals(ref.digest())) {
        throw mismatch(host, digest);
      }
    } else {
      digest = Digest.sha256(bytes);
      String header = r.headers().firstValue("Docker-Content-Digest").orElse("");
      if (!header.isEmpty() && header.startsWith("sha256:") && !header.equals(digest)) {
        throw new RegistryException(
            StatusCode.DATA_LOSS,
            "resolve "
                + ref
                + ": "
                + host.authority()
                + " sent a manifest whose digest "
                + digest
                + " is not the "
                + header
                + " it announced");
      }
    }
    return new Resolved(descriptor(type, digest, bytes.length), bytes);
  }

  private RegistryHttp.Call call(RegistryHost host, String method) {
    return new RegistryHttp.Call(
        "resolve " + repo.ref(),
        method,
        host,
        repo.uri(host, "manifests/" + repo.ref().object(), null),
        Map.of("Accept", accept),
        null,
        repo.pullScope());
  }

  private RegistryException notFound(RegistryHost host) {
    return new RegistryException(
        StatusCode.NOT_FOUND, repo.ref() + ": not found on " + host.authority());
  }

  private RegistryException mismatch(RegistryHost host, String got) {
    return new RegistryException(
        StatusCode.DATA_LOSS,
        "resolve " + repo.ref() + ": " + host.authority() + " answered with digest " + got);
  }

  private void refuseSchema1(String type) {
    if (MediaTypes.isSchema1(type)) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT,
          "resolve " + repo.ref() + ": schema 1 image manifests are no longer supported");
    }
  }

  static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
  }

  private static Descriptor descriptor(String type, String digest, long size) {
    return Descriptor.newBuilder().setMediaType(type).setDigest(digest).setSize(size).build();
  }
}
