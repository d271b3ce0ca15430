package dev.transferd.cli;

import com.google.protobuf.Empty;
import dev.transferd.proto.content.v1.AbortRequest;
import dev.transferd.proto.content.v1.ListStatusesRequest;
import dev.transferd.proto.content.v1.Status;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.proto.leases.v1.CreateResponse;
import dev.transferd.proto.leases.v1.DeleteRequest;
import dev.transferd.proto.namespaces.v1.ListNamespacesRequest;
import dev.transferd.proto.namespaces.v1.ListNamespacesResponse;
import dev.transferd.proto.namespaces.v1.Namespace;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.TtrpcClient;
import java.util.List;

/**
 * The containerd calls of the store's maintenance commands ({@code leases rm}, {@code content
 * ingests}, {@code gc}): lease deletion (with {@code sync}, which runs the garbage collector before
 * answering, as {@code ctr leases rm --sync}), ingest listing and abort, and the namespaces. Each
 * call carries the namespace it is given.
 */
final class StoreCalls {
  private static final String LEASES = "containerd.services.leases.v1.Leases";
  private static final String CONTENT = "containerd.services.content.v1.Content";

  private static final MethodDescriptor<CreateRequest, CreateResponse> CREATE_LEASE =
      MethodDescriptor.unary(LEASES, "Create", CreateRequest.parser(), CreateResponse.parser());
  private static final MethodDescriptor<DeleteRequest, Empty> DELETE_LEASE =
      MethodDescriptor.unary(LEASES, "Delete", DeleteRequest.parser(), Empty.parser());
  private static final MethodDescriptor<
          ListStatusesRequest, dev.transferd.proto.content.v1.ListStatusesResponse>
      LIST_STATUSES =
          MethodDescriptor.unary(
              CONTENT,
              "ListStatuses",
              ListStatusesRequest.parser(),
              dev.transferd.proto.content.v1.ListStatusesResponse.parser());
  private static final MethodDescriptor<AbortRequest, Empty> ABORT =
      MethodDescriptor.unary(CONTENT, "Abort", AbortRequest.parser(), Empty.parser());
  private static final MethodDescriptor<ListNamespacesRequest, ListNamespacesResponse>
      LIST_NAMESPACES =
          MethodDescriptor.unary(
              "containerd.services.namespaces.v1.Namespaces",
              "List",
              ListNamespacesRequest.parser(),
              ListNamespacesResponse.parser());

  private final TtrpcClient client;

  StoreCalls(TtrpcClient client) {
    this.client = client;
  }

  private static CallOptions in(String namespace) {
    return CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
  }

  /** Creates a lease; an empty id lets the daemon pick one. Returns its id. */
  String createLease(String namespace, String id) {
    return client
        .call(CREATE_LEASE, CreateRequest.newBuilder().setId(id).build(), in(namespace))
        .getLease()
        .getId();
  }

  /** Deletes a lease; with {@code sync}, answers after a garbage collection has run. */
  void deleteLease(String namespace, String id, boolean sync) {
    client.call(
        DELETE_LEASE, DeleteRequest.newBuilder().setId(id).setSync(sync).build(), in(namespace));
  }

  List<Status> ingests(String namespace, List<String> filters) {
    return client
        .call(
            LIST_STATUSES,
            ListStatusesRequest.newBuilder().addAllFilters(filters).build(),
            in(namespace))
        .getStatusesList();
  }

  void abortIngest(String namespace, String ref) {
    client.call(ABORT, AbortRequest.newBuilder().setRef(ref).build(), in(namespace));
  }

  List<String> namespaces() {
    return client
        .call(LIST_NAMESPACES, ListNamespacesRequest.getDefaultInstance(), CallOptions.DEFAULT)
        .getNamespacesList()
        .stream()
        .map(Namespace::getName)
        .toList();
  }
}
