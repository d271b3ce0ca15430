package dev.transferd.cli;

import com.google.protobuf.Empty;
import dev.transferd.proto.content.v1.DeleteContentRequest;
import dev.transferd.proto.content.v1.Info;
import dev.transferd.proto.content.v1.ListContentRequest;
import dev.transferd.proto.content.v1.ListContentResponse;
import dev.transferd.proto.images.v1.DeleteImageRequest;
import dev.transferd.proto.images.v1.GetImageRequest;
import dev.transferd.proto.images.v1.GetImageResponse;
import dev.transferd.proto.images.v1.Image;
import dev.transferd.proto.images.v1.ListImagesRequest;
import dev.transferd.proto.images.v1.ListImagesResponse;
import dev.transferd.proto.introspection.v1.ServerResponse;
import dev.transferd.proto.leases.v1.Lease;
import dev.transferd.proto.leases.v1.ListRequest;
import dev.transferd.proto.leases.v1.ListResponse;
import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallOptions;
import dev.transferd.ttrpc.ClientStream;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.TtrpcClient;
import java.util.ArrayList;
import java.util.List;

/**
 * The containerd services besides Transfer that the commands call (docs/protocol/transfer.md §1.2
 * method paths), each with the namespace in the request metadata. One instance per command run.
 */
final class Api {
  // One holder class per service: a class's descriptors (and with them its protobuf file
  // descriptors, which take milliseconds each to build) are made on the first call of that
  // service, so `images ls` does not pay for content, leases and introspection.

  private static final class Images {
    private static final String SERVICE = "containerd.services.images.v1.Images";
    static final MethodDescriptor<ListImagesRequest, ListImagesResponse> LIST =
        MethodDescriptor.unary(
            SERVICE, "List", ListImagesRequest.parser(), ListImagesResponse.parser());
    static final MethodDescriptor<GetImageRequest, GetImageResponse> GET =
        MethodDescriptor.unary(SERVICE, "Get", GetImageRequest.parser(), GetImageResponse.parser());
    static final MethodDescriptor<DeleteImageRequest, Empty> DELETE =
        MethodDescriptor.unary(SERVICE, "Delete", DeleteImageRequest.parser(), Empty.parser());
  }

  private static final class Content {
    private static final String SERVICE = "containerd.services.content.v1.Content";
    static final MethodDescriptor<ListContentRequest, ListContentResponse> LIST =
        MethodDescriptor.serverStreaming(
            SERVICE, "List", ListContentRequest.parser(), ListContentResponse.parser());
    static final MethodDescriptor<DeleteContentRequest, Empty> DELETE =
        MethodDescriptor.unary(SERVICE, "Delete", DeleteContentRequest.parser(), Empty.parser());
  }

  private static final class Leases {
    static final MethodDescriptor<ListRequest, ListResponse> LIST =
        MethodDescriptor.unary(
            "containerd.services.leases.v1.Leases",
            "List",
            ListRequest.parser(),
            ListResponse.parser());
  }

  private static final class Introspection {
    static final MethodDescriptor<Empty, ServerResponse> SERVER =
        MethodDescriptor.unary(
            "containerd.services.introspection.v1.Introspection",
            "Server",
            Empty.parser(),
            ServerResponse.parser());
  }

  private final TtrpcClient client;
  private final CallOptions options;

  Api(TtrpcClient client, String namespace) {
    this.client = client;
    this.options =
        namespace.isEmpty()
            ? CallOptions.DEFAULT
            : CallOptions.DEFAULT.withMetadata(StreamingProtocol.NAMESPACE_KEY, namespace);
  }

  List<Image> listImages(List<String> filters) {
    return client
        .call(Images.LIST, ListImagesRequest.newBuilder().addAllFilters(filters).build(), options)
        .getImagesList();
  }

  Image getImage(String name) {
    return client
        .call(Images.GET, GetImageRequest.newBuilder().setName(name).build(), options)
        .getImage();
  }

  void deleteImage(String name, boolean sync) {
    client.call(
        Images.DELETE,
        DeleteImageRequest.newBuilder().setName(name).setSync(sync).build(),
        options);
  }

  List<Info> listContent(List<String> filters) {
    List<Info> all = new ArrayList<>();
    try (ClientStream<ListContentRequest, ListContentResponse> stream =
        client.openStream(
            Content.LIST,
            ListContentRequest.newBuilder().addAllFilters(filters).build(),
            options)) {
      ListContentResponse page;
      while ((page = stream.receive()) != null) {
        all.addAll(page.getInfoList());
      }
    }
    return all;
  }

  void deleteContent(String digest) {
    client.call(
        Content.DELETE, DeleteContentRequest.newBuilder().setDigest(digest).build(), options);
  }

  List<Lease> listLeases(List<String> filters) {
    return client
        .call(Leases.LIST, ListRequest.newBuilder().addAllFilters(filters).build(), options)
        .getLeasesList();
  }

  ServerResponse server() {
    return client.call(Introspection.SERVER, Empty.getDefaultInstance(), options);
  }
}
