package dev.transferd.plugin.services;

import static dev.transferd.plugin.services.RemoteContentStore.remote;

import com.google.protobuf.FieldMask;
import dev.transferd.plugin.store.NamespaceStore;
import dev.transferd.proto.namespaces.v1.CreateNamespaceRequest;
import dev.transferd.proto.namespaces.v1.DeleteNamespaceRequest;
import dev.transferd.proto.namespaces.v1.GetNamespaceRequest;
import dev.transferd.proto.namespaces.v1.ListNamespacesRequest;
import dev.transferd.proto.namespaces.v1.Namespace;
import dev.transferd.proto.namespaces.v1.UpdateNamespaceRequest;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.TtrpcClient;
import java.util.List;
import java.util.Map;

/** The store's namespaces through the Namespaces service, as a containerd client reaches them. */
final class RemoteNamespaceStore implements NamespaceStore {
  private final TtrpcClient client;

  RemoteNamespaceStore(TtrpcClient client) {
    this.client = client;
  }

  @Override
  public List<String> list() {
    return remote(
        () ->
            client
                .call(
                    NamespacesService.LIST,
                    ListNamespacesRequest.getDefaultInstance(),
                    CallOptions.DEFAULT)
                .getNamespacesList()
                .stream()
                .map(Namespace::getName)
                .toList());
  }

  @Override
  public Map<String, String> labels(String name) {
    return remote(
        () ->
            client
                .call(
                    NamespacesService.GET,
                    GetNamespaceRequest.newBuilder().setName(name).build(),
                    CallOptions.DEFAULT)
                .getNamespace()
                .getLabelsMap());
  }

  @Override
  public void create(String name, Map<String, String> labels) {
    remote(
        () ->
            client.call(
                NamespacesService.CREATE,
                CreateNamespaceRequest.newBuilder()
                    .setNamespace(Namespace.newBuilder().setName(name).putAllLabels(labels))
                    .build(),
                CallOptions.DEFAULT));
  }

  /** One Update whose mask names each changed label. */
  @Override
  public void setLabels(String name, Map<String, String> changes) {
    Namespace.Builder ns = Namespace.newBuilder().setName(name);
    FieldMask.Builder mask = FieldMask.newBuilder();
    changes.forEach(
        (key, value) -> {
          if (!value.isEmpty()) {
            ns.putLabels(key, value);
          }
          mask.addPaths("labels." + key);
        });
    remote(
        () ->
            client.call(
                NamespacesService.UPDATE,
                UpdateNamespaceRequest.newBuilder().setNamespace(ns).setUpdateMask(mask).build(),
                CallOptions.DEFAULT));
  }

  @Override
  public void delete(String name) {
    remote(
        () ->
            client.call(
                NamespacesService.DELETE,
                DeleteNamespaceRequest.newBuilder().setName(name).build(),
                CallOptions.DEFAULT));
  }
}
