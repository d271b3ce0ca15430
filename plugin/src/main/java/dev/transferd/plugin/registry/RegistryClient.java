package dev.transferd.plugin.registry;

import dev.transferd.proto.types.Descriptor;
import dev.transferd.ttrpc.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One repository of one registry for one transfer: resolve, fetch, and push. Built from a reference
 * and the transfer's {@link RegistryOptions}; thread-safe, so a transfer's blob workers share it
 * (and its tokens). Every error is a {@link RegistryException} whose message names the registry and
 * the object.
 */
public final class RegistryClient {
  private final RegistryRepository repo;
  private final ManifestResolver resolver;
  private final BlobFetcher fetcher;
  private final BlobPusher pusher;
  private final ManifestPusher manifests;
  private final Map<String, byte[]> resolvedBytes = new ConcurrentHashMap<>();

  private RegistryClient(ImageRef ref, RegistryOptions options, RegistryAuthenticator auth) {
    List<RegistryHost> hosts =
        HostsDirectory.hosts(ref.host(), options.hostDir(), options.defaultScheme());
    Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
    String accept = MediaTypes.MANIFEST_ACCEPT;
    for (Map.Entry<String, String> h : options.headers().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Accept")) {
        accept = h.getValue();
      } else {
        headers.put(h.getKey(), List.of(h.getValue()));
      }
    }
    RegistryHttp http = new RegistryHttp(auth, options.retry(), headers, options.debug());
    this.repo = new RegistryRepository(ref, hosts, http);
    this.resolver = new ManifestResolver(repo, accept);
    this.fetcher = new BlobFetcher(repo, accept);
    this.pusher = new BlobPusher(repo, options.uploadChunkSize());
    this.manifests = new ManifestPusher(repo, pusher);
  }

  /**
   * A client for {@code ref}'s repository.
   *
   * @throws RegistryException INVALID_ARGUMENT for a malformed hosts.toml or default scheme
   */
  public static RegistryClient open(ImageRef ref, RegistryOptions options) {
    return new RegistryClient(
        ref,
        options,
        new RegistryAuthenticator(options.credentials(), ref.toString(), options.debug()));
  }

  /**
   * A client for another repository sharing this one's credentials source (for the destination of a
   * registry to registry copy, or a second repository on the same registry).
   */
  public static RegistryClient open(ImageRef ref, RegistryOptions options, String reference) {
    return new RegistryClient(
        ref, options, new RegistryAuthenticator(options.credentials(), reference, options.debug()));
  }

  public ImageRef reference() {
    return repo.ref();
  }

  /** The registry host of the reference, as distribution-source labels name it. */
  public String registryHost() {
    return repo.ref().host();
  }

  /**
   * Resolves the reference to its root manifest or index.
   *
   * @throws RegistryException NOT_FOUND when no host has it; INVALID_ARGUMENT for schema 1
   */
  public Descriptor resolve() throws InterruptedException {
    ManifestResolver.Resolved r = resolver.resolve();
    if (r.bytes() != null) {
      resolvedBytes.put(r.descriptor().getDigest(), r.bytes());
    }
    return r.descriptor();
  }

  /** The bytes of {@code desc} from {@code offset}; the caller closes the stream. */
  public InputStream fetch(Descriptor desc, long offset) throws InterruptedException {
    byte[] cached = offset == 0 ? resolvedBytes.get(desc.getDigest()) : null;
    if (cached != null) {
      return new java.io.ByteArrayInputStream(cached);
    }
    return fetcher.fetch(desc, offset);
  }

  /**
   * {@code length} bytes of {@code desc} from {@code offset}, or null when the registry does not
   * serve ranges (it answered 200); the caller closes the stream.
   */
  public InputStream fetchRange(Descriptor desc, long offset, long length)
      throws InterruptedException {
    return fetcher.fetchRange(desc, offset, length);
  }

  /**
   * A whole small blob (manifest, index, config) in memory, its size and digest checked.
   *
   * @throws RegistryException DATA_LOSS when the bytes are not what {@code desc} says
   */
  public byte[] fetchBytes(Descriptor desc, int limit) throws InterruptedException {
    if (desc.getSize() > limit) {
      throw new RegistryException(
          StatusCode.INVALID_ARGUMENT,
          repo.what("pull", desc.getDigest(), "from")
              + ": "
              + desc.getSize()
              + " bytes is over the "
              + limit
              + " byte limit");
    }
    byte[] bytes;
    try (InputStream in = fetch(desc, 0)) {
      bytes = in.readNBytes(limit + 1);
    } catch (IOException e) {
      throw new RegistryException(
          StatusCode.UNAVAILABLE,
          repo.what("pull", desc.getDigest(), "from") + ": " + RegistryHttp.describe(e),
          e);
    }
    verify(desc, bytes);
    return bytes;
  }

  void verify(Descriptor desc, byte[] bytes) {
    Digest d = Digest.parse(desc.getDigest());
    MessageDigest h = d.newHasher();
    h.update(bytes);
    String got = Digest.format(d.algorithm(), h);
    if (bytes.length != desc.getSize() || !got.equals(desc.getDigest())) {
      throw new RegistryException(
          StatusCode.DATA_LOSS,
          repo.what("pull", desc.getDigest(), "from")
              + ": got "
              + bytes.length
              + " bytes with digest "
              + got
              + ", expected "
              + desc.getSize()
              + " bytes");
    }
  }

  /** Whether the repository already has {@code desc} (push existence check). */
  public boolean exists(Descriptor desc) throws InterruptedException {
    return pusher.exists(desc);
  }

  /** What {@link #pushBlob} did. */
  public enum PushOutcome {
    MOUNTED,
    UPLOADED
  }

  /**
   * Uploads a blob (config, layer), trying a cross-repository mount from each of {@code mountFrom}
   * first.
   */
  public PushOutcome pushBlob(Descriptor desc, BlobSource source, List<String> mountFrom)
      throws InterruptedException {
    return switch (pusher.push(desc, source, new ArrayList<>(mountFrom))) {
      case MOUNTED -> PushOutcome.MOUNTED;
      default -> PushOutcome.UPLOADED;
    };
  }

  /** Puts a manifest or index under {@code tagOrDigest}. */
  public void pushManifest(Descriptor desc, byte[] bytes, String tagOrDigest)
      throws InterruptedException {
    manifests.push(desc, bytes, tagOrDigest);
  }

  @Override
  public String toString() {
    return "OCI Registry (" + repo.ref() + ")";
  }
}
