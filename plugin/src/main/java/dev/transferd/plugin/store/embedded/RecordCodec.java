package dev.transferd.plugin.store.embedded;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.ttrpc.StatusCode;
import java.time.Instant;

/**
 * Records as stored in LMDB: the containerd API's own messages ({@code content.v1.Info}, {@code
 * images.v1.Image}, {@code leases.v1.Lease}), so the services hand them out unchanged.
 */
final class RecordCodec {
  private RecordCodec() {}

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static byte[] encode(ContentInfo info) {
    return Info.newBuilder()
        .setDigest(info.digest())
        .setSize(info.size())
        .setCreatedAt(timestamp(info.createdAt()))
        .setUpdatedAt(timestamp(info.updatedAt()))
        .putAllLabels(info.labels())
        .build()
        .toByteArray();
  }

  static ContentInfo decodeContent(byte[] bytes) {
    try {
      Info i = Info.parseFrom(bytes);
      return new ContentInfo(
          i.getDigest(),
          i.getSize(),
          instant(i.getCreatedAt()),
          instant(i.getUpdatedAt()),
          i.getLabelsMap());
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("content record", e);
    }
  }

  static byte[] encode(Image image) {
    return dev.transferd.proto.images.v1.Image.newBuilder()
        .setName(image.name())
        .setTarget(image.target())
        .putAllLabels(image.labels())
        .setCreatedAt(timestamp(image.createdAt()))
        .setUpdatedAt(timestamp(image.updatedAt()))
        .build()
        .toByteArray();
  }

  static Image decodeImage(byte[] bytes) {
    try {
      var i = dev.transferd.proto.images.v1.Image.parseFrom(bytes);
      return new Image(
          i.getName(),
          i.getTarget(),
          i.getLabelsMap(),
          instant(i.getCreatedAt()),
          instant(i.getUpdatedAt()));
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("image record", e);
    }
  }

  static byte[] encode(Lease lease) {
    return dev.transferd.proto.leases.v1.Lease.newBuilder()
        .setId(lease.id())
        .setCreatedAt(timestamp(lease.createdAt()))
        .putAllLabels(lease.labels())
        .build()
        .toByteArray();
  }

  static Lease decodeLease(byte[] bytes) {
    try {
      var l = dev.transferd.proto.leases.v1.Lease.parseFrom(bytes);
      return new Lease(l.getId(), instant(l.getCreatedAt()), l.getLabelsMap());
    } catch (InvalidProtocolBufferException e) {
      throw corrupt("lease record", e);
    }
  }

  private static StoreException corrupt(String what, Exception e) {
    return new StoreException(StatusCode.DATA_LOSS, "corrupt " + what + ": " + e.getMessage(), e);
  }
}
