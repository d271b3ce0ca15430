package dev.transferd.plugin.services;

import com.google.protobuf.Empty;
import dev.transferd.plugin.store.NamespaceStore;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.namespaces.v1.CreateNamespaceRequest;
import dev.transferd.proto.namespaces.v1.CreateNamespaceResponse;
import dev.transferd.proto.namespaces.v1.DeleteNamespaceRequest;
import dev.transferd.proto.namespaces.v1.GetNamespaceRequest;
import dev.transferd.proto.namespaces.v1.GetNamespaceResponse;
import dev.transferd.proto.namespaces.v1.ListNamespacesRequest;
import dev.transferd.proto.namespaces.v1.ListNamespacesResponse;
import dev.transferd.proto.namespaces.v1.Namespace;
import dev.transferd.proto.namespaces.v1.UpdateNamespaceRequest;
import dev.transferd.proto.namespaces.v1.UpdateNamespaceResponse;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;
import java.util.HashMap;
import java.util.Map;

/**
 * containerd's {@code containerd.services.namespaces.v1.Namespaces} over the store's namespaces.
 * Calls name their namespace in the request, not in the call's metadata. As in containerd, Get of a
 * namespace never used answers with no labels, and Update creates the namespace it names.
 */
public final class NamespacesService {
  public static final String SERVICE = "containerd.services.namespaces.v1.Namespaces";
  public static final MethodDescriptor<GetNamespaceRequest, GetNamespaceResponse> GET =
      MethodDescriptor.unary(
          SERVICE, "Get", GetNamespaceRequest.parser(), GetNamespaceResponse.parser());
  public static final MethodDescriptor<ListNamespacesRequest, ListNamespacesResponse> LIST =
      MethodDescriptor.unary(
          SERVICE, "List", ListNamespacesRequest.parser(), ListNamespacesResponse.parser());
  public static final MethodDescriptor<CreateNamespaceRequest, CreateNamespaceResponse> CREATE =
      MethodDescriptor.unary(
          SERVICE, "Create", CreateNamespaceRequest.parser(), CreateNamespaceResponse.parser());
  public static final MethodDescriptor<UpdateNamespaceRequest, UpdateNamespaceResponse> UPDATE =
      MethodDescriptor.unary(
          SERVICE, "Update", UpdateNamespaceRequest.parser(), UpdateNamespaceResponse.parser());
  public static final MethodDescriptor<DeleteNamespaceRequest, Empty> DELETE =
      MethodDescriptor.unary(SERVICE, "Delete", DeleteNamespaceRequest.parser(), Empty.parser());

  private static final String LABEL_PATH = "labels.";

  private final Store store;

  private NamespacesService(Store store) {
    this.store = store;
  }

  public static ServiceDefinition definition(Store store) {
    NamespacesService s = new NamespacesService(store);
    return ServiceDefinition.builder(SERVICE)
        .unary(GET, s::get)
        .unary(LIST, s::list)
        .unary(CREATE, s::create)
        .unary(UPDATE, s::update)
        .unary(DELETE, s::delete)
        .build();
  }

  private NamespaceStore namespaces() {
    return store.namespaces();
  }

  private Namespace namespace(String name) {
    return Namespace.newBuilder().setName(name).putAllLabels(namespaces().labels(name)).build();
  }

  private GetNamespaceResponse get(CallContext call, GetNamespaceRequest req) {
    return StoreErrors.mapped(
        () -> GetNamespaceResponse.newBuilder().setNamespace(namespace(req.getName())).build());
  }

  private ListNamespacesResponse list(CallContext call, ListNamespacesRequest req) {
    return StoreErrors.mapped(
        () -> {
          ListNamespacesResponse.Builder out = ListNamespacesResponse.newBuilder();
          for (String name : namespaces().list()) {
            out.addNamespaces(namespace(name));
          }
          return out.build();
        });
  }

  private CreateNamespaceResponse create(CallContext call, CreateNamespaceRequest req) {
    return StoreErrors.mapped(
        () -> {
          String name = req.getNamespace().getName();
          namespaces().create(name, req.getNamespace().getLabelsMap());
          return CreateNamespaceResponse.newBuilder().setNamespace(namespace(name)).build();
        });
  }

  /**
   * With mask paths, each {@code labels.<key>} sets that label from the request (removes it when
   * the request has none); without, the labels become exactly the request's. All in one step; other
   * paths are INVALID_ARGUMENT, and nothing changes.
   */
  private UpdateNamespaceResponse update(CallContext call, UpdateNamespaceRequest req) {
    return StoreErrors.mapped(
        () -> {
          String name = req.getNamespace().getName();
          Map<String, String> given = req.getNamespace().getLabelsMap();
          Map<String, String> changes = new HashMap<>();
          if (req.hasUpdateMask() && req.getUpdateMask().getPathsCount() > 0) {
            for (String path : req.getUpdateMask().getPathsList()) {
              if (!path.startsWith(LABEL_PATH) || path.length() == LABEL_PATH.length()) {
                throw StoreException.invalidArgument(
                    "cannot update \"" + path + "\" field of namespace " + name);
              }
              String key = path.substring(LABEL_PATH.length());
              changes.put(key, given.getOrDefault(key, ""));
            }
          } else {
            for (String key : namespaces().labels(name).keySet()) {
              changes.put(key, "");
            }
            changes.putAll(given);
          }
          namespaces().setLabels(name, changes);
          return UpdateNamespaceResponse.newBuilder().setNamespace(namespace(name)).build();
        });
  }

  private Empty delete(CallContext call, DeleteNamespaceRequest req) {
    return StoreErrors.mapped(
        () -> {
          namespaces().delete(req.getName());
          return Empty.getDefaultInstance();
        });
  }
}
