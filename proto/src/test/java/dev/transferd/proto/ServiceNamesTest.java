package dev.transferd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import dev.transferd.proto.content.v1.ContentProto;
import dev.transferd.proto.images.v1.ImagesProto;
import dev.transferd.proto.introspection.v1.IntrospectionProto;
import dev.transferd.proto.leases.v1.LeasesProto;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.proto.streaming.v1.StreamingProto;
import dev.transferd.proto.transfer.v1.TransferProto;
import dev.transferd.proto.types.transfer.AuthRequest;
import dev.transferd.proto.types.transfer.AuthResponse;
import dev.transferd.proto.types.transfer.ContainerPath;
import dev.transferd.proto.types.transfer.Data;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.proto.types.transfer.ReadStream;
import dev.transferd.proto.types.transfer.WindowUpdate;
import dev.transferd.proto.types.transfer.WriteStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * ttrpc addresses a call by service full name and method name, and containerd decodes Any values by
 * message full name, so these strings are wire contract too.
 */
class ServiceNamesTest {

  @Test
  void transferServiceHasOneUnaryMethod() {
    ServiceDescriptor service = service(TransferProto.getDescriptor(), "Transfer");

    assertEquals("containerd.services.transfer.v1.Transfer", service.getFullName());
    assertMethods(
        service,
        "Transfer(containerd.services.transfer.v1.TransferRequest) returns (google.protobuf.Empty)");
  }

  @Test
  void streamingStreamIsBidirectionalOverAny() {
    ServiceDescriptor service = service(StreamingProto.getDescriptor(), "Streaming");

    assertEquals("containerd.services.streaming.v1.Streaming", service.getFullName());
    assertMethods(
        service, "Stream(stream google.protobuf.Any) returns (stream google.protobuf.Any)");
    MethodDescriptor stream = service.findMethodByName("Stream");
    assertEquals(true, stream.isClientStreaming());
    assertEquals(true, stream.isServerStreaming());
  }

  @Test
  void imagesServiceMethods() {
    ServiceDescriptor service = service(ImagesProto.getDescriptor(), "Images");

    assertEquals("containerd.services.images.v1.Images", service.getFullName());
    String p = "containerd.services.images.v1.";
    assertMethods(
        service,
        "Get(" + p + "GetImageRequest) returns (" + p + "GetImageResponse)",
        "List(" + p + "ListImagesRequest) returns (" + p + "ListImagesResponse)",
        "Create(" + p + "CreateImageRequest) returns (" + p + "CreateImageResponse)",
        "Update(" + p + "UpdateImageRequest) returns (" + p + "UpdateImageResponse)",
        "Delete(" + p + "DeleteImageRequest) returns (google.protobuf.Empty)");
  }

  @Test
  void contentServiceMethodsWithTheirStreamingShapes() {
    ServiceDescriptor service = service(ContentProto.getDescriptor(), "Content");

    assertEquals("containerd.services.content.v1.Content", service.getFullName());
    String p = "containerd.services.content.v1.";
    assertMethods(
        service,
        "Info(" + p + "InfoRequest) returns (" + p + "InfoResponse)",
        "Update(" + p + "UpdateRequest) returns (" + p + "UpdateResponse)",
        "List(" + p + "ListContentRequest) returns (stream " + p + "ListContentResponse)",
        "Delete(" + p + "DeleteContentRequest) returns (google.protobuf.Empty)",
        "Read(" + p + "ReadContentRequest) returns (stream " + p + "ReadContentResponse)",
        "Status(" + p + "StatusRequest) returns (" + p + "StatusResponse)",
        "ListStatuses(" + p + "ListStatusesRequest) returns (" + p + "ListStatusesResponse)",
        "Write(stream " + p + "WriteContentRequest) returns (stream " + p + "WriteContentResponse)",
        "Abort(" + p + "AbortRequest) returns (google.protobuf.Empty)");
  }

  @Test
  void leasesServiceMethods() {
    ServiceDescriptor service = service(LeasesProto.getDescriptor(), "Leases");

    assertEquals("containerd.services.leases.v1.Leases", service.getFullName());
    String p = "containerd.services.leases.v1.";
    assertMethods(
        service,
        "Create(" + p + "CreateRequest) returns (" + p + "CreateResponse)",
        "Delete(" + p + "DeleteRequest) returns (google.protobuf.Empty)",
        "List(" + p + "ListRequest) returns (" + p + "ListResponse)",
        "AddResource(" + p + "AddResourceRequest) returns (google.protobuf.Empty)",
        "DeleteResource(" + p + "DeleteResourceRequest) returns (google.protobuf.Empty)",
        "ListResources(" + p + "ListResourcesRequest) returns (" + p + "ListResourcesResponse)");
  }

  @Test
  void introspectionServiceMethods() {
    ServiceDescriptor service = service(IntrospectionProto.getDescriptor(), "Introspection");

    assertEquals("containerd.services.introspection.v1.Introspection", service.getFullName());
    String p = "containerd.services.introspection.v1.";
    assertMethods(
        service,
        "Plugins(" + p + "PluginsRequest) returns (" + p + "PluginsResponse)",
        "Server(google.protobuf.Empty) returns (" + p + "ServerResponse)",
        "PluginInfo(" + p + "PluginInfoRequest) returns (" + p + "PluginInfoResponse)");
  }

  @Test
  void messageFullNamesAreContainerdsTypeUrls() {
    Map<Class<? extends Message>, String> expected =
        Map.ofEntries(
            Map.entry(StreamInit.class, "containerd.services.streaming.v1.StreamInit"),
            Map.entry(OCIRegistry.class, "containerd.types.transfer.OCIRegistry"),
            Map.entry(ImageStore.class, "containerd.types.transfer.ImageStore"),
            Map.entry(ImageImportStream.class, "containerd.types.transfer.ImageImportStream"),
            Map.entry(ImageExportStream.class, "containerd.types.transfer.ImageExportStream"),
            Map.entry(Progress.class, "containerd.types.transfer.Progress"),
            Map.entry(Data.class, "containerd.types.transfer.Data"),
            Map.entry(WindowUpdate.class, "containerd.types.transfer.WindowUpdate"),
            Map.entry(AuthRequest.class, "containerd.types.transfer.AuthRequest"),
            Map.entry(AuthResponse.class, "containerd.types.transfer.AuthResponse"),
            Map.entry(ReadStream.class, "containerd.types.transfer.ReadStream"),
            Map.entry(WriteStream.class, "containerd.types.transfer.WriteStream"),
            Map.entry(ContainerPath.class, "containerd.types.transfer.ContainerPath"));

    expected.forEach(
        (type, url) -> {
          Message instance = com.google.protobuf.Internal.getDefaultInstance(type);
          assertEquals(url, AnyCodec.pack(instance).getTypeUrl(), type.getName());
        });
  }

  private static ServiceDescriptor service(FileDescriptor file, String name) {
    ServiceDescriptor service = file.findServiceByName(name);
    if (service == null) {
      throw new AssertionError("no service " + name + " in " + file.getName());
    }
    return service;
  }

  /** Compares methods, in declaration order, in proto syntax. */
  private static void assertMethods(ServiceDescriptor service, String... expected) {
    List<String> actual =
        service.getMethods().stream().map(ServiceNamesTest::signature).collect(Collectors.toList());
    assertEquals(List.of(expected), actual);
  }

  private static String signature(MethodDescriptor method) {
    return method.getName()
        + "("
        + (method.isClientStreaming() ? "stream " : "")
        + method.getInputType().getFullName()
        + ") returns ("
        + (method.isServerStreaming() ? "stream " : "")
        + method.getOutputType().getFullName()
        + ")";
  }
}
