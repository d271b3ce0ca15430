package dev.transferd.streams.client;

import java.util.Map;

/** A blob or image descriptor as progress events report it. */
public record ContentDescriptor(
    String mediaType, String digest, long size, Map<String, String> annotations) {
  public ContentDescriptor {
    annotations = Map.copyOf(annotations);
  }

  static ContentDescriptor fromProto(dev.transferd.proto.types.Descriptor d) {
    return new ContentDescriptor(
        d.getMediaType(), d.getDigest(), d.getSize(), d.getAnnotationsMap());
  }
}
