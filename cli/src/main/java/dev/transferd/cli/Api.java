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
 * The containerd services besides Transfer that the commands call (spec §1.2 method paths), each
 * with the namespace in the request metadata. One instance per command run.
 */
final class Api {
  private static final String IMAGES = "containerd.services.images.v1.Images";
  private static final String CONTENT = "containerd.services.content.v1.Content";
  private static final String LEASES = "containerd.services.leases.v1.Leases";
  private static final String INTROSPECTION = "containerd.services.introspection.v1.Introspection";

  static final MethodDescriptor<ListImagesRequest, ListImagesResponse> LIST_IMAGES =
      MethodDescriptor.unary(
          IMAGES, "List", ListImagesRequest.parser(), ListImagesResponse.parser());
  static final MethodDescriptor<GetImageRequest, GetImageResponse> GET_IMAGE =
      MethodDescriptor.unary(IMAGES, "Get", GetImageRequest.parser(), GetImageResponse.parser());
  static final MethodDescriptor<DeleteImageRequest, Empty> DELETE_IMAGE =
      MethodDescriptor.unary(IMAGES, "Delete", DeleteImageRequest.parser(), Empty.parser());
  static final MethodDescriptor<ListContentRequest, ListContentResponse> LIST_CONTENT =
      MethodDescriptor.serverStreaming(
          CONTENT, "List", ListContentRequest.parser(), ListContentResponse.parser());
  static final MethodDescriptor<DeleteContentRequest, Empty> DELETE_CONTENT =
      MethodDescriptor.unary(CONTENT, "Delete", DeleteContentRequest.parser(), Empty.parser());
  static final MethodDescriptor<ListRequest, ListResponse> LIST_LEASES =
      MethodDescriptor.unary(LEASES, "List", ListRequest.parser(), ListResponse.parser());
  static final MethodDescriptor<Empty, ServerResponse> SERVER =
      MethodDescriptor.unary(INTROSPECTION, "Server", Empty.parser(), ServerResponse.parser());

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
        .call(LIST_IMAGES, ListImagesRequest.newBuilder().addAllFilters(filters).build(), options)
        .getImagesList();
  }

  Image getImage(String name) {
    return client
        .call(GET_IMAGE, GetImageRequest.newBuilder().setName(name).build(), options)
        .getImage();
  }

  void deleteImage(String name, boolean sync) {
    client.call(
        DELETE_IMAGE, DeleteImageRequest.newBuilder().setName(name).setSync(sync).build(), options);
  }

  List<Info> listContent(List<String> filters) {
    List<Info> all = new ArrayList<>();
    try (ClientStream<ListContentRequest, ListContentResponse> stream =
        client.openStream(
            LIST_CONTENT,
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
        DELETE_CONTENT, DeleteContentRequest.newBuilder().setDigest(digest).build(), options);
  }

  List<Lease> listLeases(List<String> filters) {
    return client
        .call(LIST_LEASES, ListRequest.newBuilder().addAllFilters(filters).build(), options)
        .getLeasesList();
  }

  ServerResponse server() {
    return client.call(SERVER, Empty.getDefaultInstance(), options);
  }
}
