package dev.transferd.plugin.transfer;

import dev.transferd.plugin.store.Store;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The source × destination table of operations (containerd's {@code local/transfer.go},
 * docs/protocol/transfer.md §8.0; STYLE rule 4). A pair without an entry is UNIMPLEMENTED with
 * containerd's message.
 */
final class OperationTable {
  private record Key(Class<?> source, Class<?> destination) {}

  private record Entry<S extends Endpoint, D extends Endpoint>(
      Class<S> source, Class<D> destination, TransferOperation<S, D> operation) {
    void run(TransferContext context, Endpoint s, Endpoint d) throws Exception {
      operation.run(context, source.cast(s), destination.cast(d));
    }
  }

  private final Map<Key, Entry<?, ?>> entries;

  private OperationTable(Map<Key, Entry<?, ?>> entries) {
    this.entries = Map.copyOf(entries);
  }

  /** The operations this server implements without a store (echo, registry to registry). */
  static OperationTable standard(TransferSettings settings) {
    return standard(null, settings);
  }

  /**
   * The operations this server implements over {@code store}; without a store (null) only those
   * that need none. One table per service: its registry limits are service-wide.
   */
  static OperationTable standard(Store store, TransferSettings settings) {
    RegistryLimits limits = RegistryLimits.of(settings);
    Builder b =
        builder()
            .add(ImportStreamEndpoint.class, ExportStreamEndpoint.class, new EchoOperation())
            .add(RegistryEndpoint.class, RegistryEndpoint.class, new RegistryCopyOperation(limits));
    if (store != null) {
      Clock clock = Clock.systemUTC();
      b.add(
              RegistryEndpoint.class,
              ImageStoreEndpoint.class,
              new PullOperation(store, limits, clock))
          .add(ImageStoreEndpoint.class, RegistryEndpoint.class, new PushOperation(store, limits))
          .add(
              ImportStreamEndpoint.class,
              RegistryEndpoint.class,
              new ArchiveToRegistryOperation(
                  store, settings.archiveLimits(), new PushOperation(store, limits), clock))
          .add(
              ImportStreamEndpoint.class,
              ImageStoreEndpoint.class,
              new ImportOperation(store, settings.archiveLimits(), clock))
          .add(
              ImageStoreEndpoint.class,
              ExportStreamEndpoint.class,
              new ExportOperation(store, settings.archiveLimits(), clock))
          .add(ImageStoreEndpoint.class, ImageStoreEndpoint.class, new TagOperation(store, clock))
          .add(
              ImageStoreEndpoint.class,
              UnpackDirectoryEndpoint.class,
              new UnpackOperation(store, settings.archiveLimits(), clock))
          .add(
              RepackDirectoryEndpoint.class,
              ImageStoreEndpoint.class,
              new RepackOperation(store, settings.archiveLimits(), clock));
    }
    return b.build();
  }

  static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the operation for this pair.
   *
   * @throws TtrpcException UNIMPLEMENTED when no operation takes the pair
   */
  void run(TransferContext context, Endpoint source, Endpoint destination) throws Exception {
    Entry<?, ?> entry = entries.get(new Key(source.getClass(), destination.getClass()));
    if (entry == null) {
      throw new TtrpcException(
          StatusCode.UNIMPLEMENTED,
          "method Transfer not implemented for "
              + source.typeUrl()
              + " to "
              + destination.typeUrl());
    }
    entry.run(context, source, destination);
  }

  static final class Builder {
    private final Map<Key, Entry<?, ?>> entries = new HashMap<>();

    <S extends Endpoint, D extends Endpoint> Builder add(
        Class<S> source, Class<D> destination, TransferOperation<S, D> operation) {
      if (entries.putIfAbsent(
              new Key(source, destination), new Entry<>(source, destination, operation))
          != null) {
        throw new IllegalStateException(
            source.getSimpleName() + " to " + destination.getSimpleName() + " added twice");
      }
      return this;
    }

    OperationTable build() {
      return new OperationTable(entries);
    }
  }
}
