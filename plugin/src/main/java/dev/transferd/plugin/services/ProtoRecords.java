package dev.transferd.plugin.services;

import com.google.protobuf.Timestamp;
import dev.transferd.plugin.store.ContentInfo;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.IngestStatus;
import dev.transferd.plugin.store.Lease;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.proto.content.v1.Status;
import java.time.Instant;

/** Store records to and from the containerd API messages. */
final class ProtoRecords {
  private ProtoRecords() {}

  static Timestamp timestamp(Instant t) {
    return t == null
        ? Timestamp.getDefaultInstance()
        : Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Info info(ContentInfo i) {
    return Info.newBuilder()
        .setDigest(i.digest())
        .setSize(i.size())
        .setCreatedAt(timestamp(i.createdAt()))
        .setUpdatedAt(timestamp(i.updatedAt()))
        .putAllLabels(i.labels())
        .build();
  }

  static Status status(IngestStatus s) {
    return Status.newBuilder()
        .setRef(s.ref())
        .setOffset(s.offset())
        .setTotal(s.total())
        .setExpected(s.expected())
        .setStartedAt(timestamp(s.startedAt()))
        .setUpdatedAt(timestamp(s.updatedAt()))
        .build();
  }

  static dev.transferd.proto.images.v1.Image image(Image i) {
    return dev.transferd.proto.images.v1.Image.newBuilder()
        .setName(i.name())
        .setTarget(i.target())
        .putAllLabels(i.labels())
        .setCreatedAt(timestamp(i.createdAt()))
        .setUpdatedAt(timestamp(i.updatedAt()))
        .build();
  }

  static Image image(dev.transferd.proto.images.v1.Image i) {
    return new Image(i.getName(), i.getTarget(), i.getLabelsMap(), null, null);
  }

  static dev.transferd.proto.leases.v1.Lease lease(Lease l) {
    return dev.transferd.proto.leases.v1.Lease.newBuilder()
        .setId(l.id())
        .setCreatedAt(timestamp(l.createdAt()))
        .putAllLabels(l.labels())
        .build();
  }

  static Lease.Resource resource(dev.transferd.proto.leases.v1.Resource r) {
    return new Lease.Resource(r.getId(), r.getType());
  }

  static dev.transferd.proto.leases.v1.Resource resource(Lease.Resource r) {
    return dev.transferd.proto.leases.v1.Resource.newBuilder()
        .setId(r.id())
        .setType(r.type())
        .build();
  }
}
