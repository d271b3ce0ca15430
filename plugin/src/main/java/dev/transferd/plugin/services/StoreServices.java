package dev.transferd.plugin.services;

import dev.transferd.plugin.store.Store;
import dev.transferd.ttrpc.ServiceDefinition;
import java.util.List;
import java.util.UUID;

/**
 * The containerd services around a store, for the daemon to register: Images, Content, Leases,
 * Introspection and Namespaces. Each reads the namespace from {@code containerd-namespace-ttrpc}
 * (required, as in containerd) and, for Content.Write, the lease from {@code containerd-lease};
 * store errors keep their errdefs codes.
 */
public final class StoreServices {
  private StoreServices() {}

  /** All five definitions; Introspection reports {@code serverUuid}. */
  public static List<ServiceDefinition> definitions(Store store, String serverUuid) {
    return List.of(
        ImagesService.definition(store),
        ContentService.definition(store),
        LeasesService.definition(store),
        IntrospectionService.definition(serverUuid),
        NamespacesService.definition(store));
  }

  /** All five definitions, with a uuid new for this process. */
  public static List<ServiceDefinition> definitions(Store store) {
    return definitions(store, UUID.randomUUID().toString());
  }
}
