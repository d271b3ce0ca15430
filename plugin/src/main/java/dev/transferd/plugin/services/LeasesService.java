package dev.transferd.plugin.services;

import com.google.protobuf.Empty;
import dev.transferd.plugin.store.Lease;
import dev.transferd.plugin.store.Store;
import dev.transferd.proto.leases.v1.AddResourceRequest;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.proto.leases.v1.CreateResponse;
import dev.transferd.proto.leases.v1.DeleteRequest;
import dev.transferd.proto.leases.v1.DeleteResourceRequest;
import dev.transferd.proto.leases.v1.ListRequest;
import dev.transferd.proto.leases.v1.ListResourcesRequest;
import dev.transferd.proto.leases.v1.ListResourcesResponse;
import dev.transferd.proto.leases.v1.ListResponse;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;

/**
 * containerd's {@code containerd.services.leases.v1.Leases} over the lease manager. The Go client
 * creates a lease around every transfer, so Create and Delete are the minimum a peer needs.
 */
public final class LeasesService {
  public static final String SERVICE = "containerd.services.leases.v1.Leases";
  public static final MethodDescriptor<CreateRequest, CreateResponse> CREATE =
      MethodDescriptor.unary(SERVICE, "Create", CreateRequest.parser(), CreateResponse.parser());
  public static final MethodDescriptor<DeleteRequest, Empty> DELETE =
      MethodDescriptor.unary(SERVICE, "Delete", DeleteRequest.parser(), Empty.parser());
  public static final MethodDescriptor<ListRequest, ListResponse> LIST =
      MethodDescriptor.unary(SERVICE, "List", ListRequest.parser(), ListResponse.parser());
  public static final MethodDescriptor<AddResourceRequest, Empty> ADD_RESOURCE =
      MethodDescriptor.unary(SERVICE, "AddResource", AddResourceRequest.parser(), Empty.parser());
  public static final MethodDescriptor<DeleteResourceRequest, Empty> DELETE_RESOURCE =
      MethodDescriptor.unary(
          SERVICE, "DeleteResource", DeleteResourceRequest.parser(), Empty.parser());
  public static final MethodDescriptor<ListResourcesRequest, ListResourcesResponse> LIST_RESOURCES =
      MethodDescriptor.unary(
          SERVICE, "ListResources", ListResourcesRequest.parser(), ListResourcesResponse.parser());

  private final Store store;

  private LeasesService(Store store) {
    this.store = store;
  }

  public static ServiceDefinition definition(Store store) {
    LeasesService s = new LeasesService(store);
    return ServiceDefinition.builder(SERVICE)
        .unary(CREATE, s::create)
        .unary(DELETE, s::delete)
        .unary(LIST, s::list)
        .unary(ADD_RESOURCE, s::addResource)
        .unary(DELETE_RESOURCE, s::deleteResource)
        .unary(LIST_RESOURCES, s::listResources)
        .build();
  }

  private CreateResponse create(CallContext call, CreateRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          Lease lease = store.leases().create(ns, req.getId(), req.getLabelsMap());
          return CreateResponse.newBuilder().setLease(ProtoRecords.lease(lease)).build();
        });
  }

  /** Deletes a lease; with {@code sync}, collects garbage before answering. */
  private Empty delete(CallContext call, DeleteRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          store.leases().delete(ns, req.getId());
          if (req.getSync()) {
            store.collectGarbage();
          }
          return Empty.getDefaultInstance();
        });
  }

  private ListResponse list(CallContext call, ListRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ListResponse.Builder out = ListResponse.newBuilder();
          for (Lease l : store.leases().list(ns, req.getFiltersList())) {
            out.addLeases(ProtoRecords.lease(l));
          }
          return out.build();
        });
  }

  private Empty addResource(CallContext call, AddResourceRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          store.leases().addResource(ns, req.getId(), ProtoRecords.resource(req.getResource()));
          return Empty.getDefaultInstance();
        });
  }

  private Empty deleteResource(CallContext call, DeleteResourceRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          store.leases().deleteResource(ns, req.getId(), ProtoRecords.resource(req.getResource()));
          return Empty.getDefaultInstance();
        });
  }

  private ListResourcesResponse listResources(CallContext call, ListResourcesRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ListResourcesResponse.Builder out = ListResourcesResponse.newBuilder();
          for (Lease.Resource r : store.leases().listResources(ns, req.getId())) {
            out.addResources(ProtoRecords.resource(r));
          }
          return out.build();
        });
  }
}
