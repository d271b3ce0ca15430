package dev.transferd.plugin.services;

import com.google.protobuf.Empty;
import dev.transferd.plugin.store.Image;
import dev.transferd.plugin.store.Store;
import dev.transferd.plugin.store.StoreException;
import dev.transferd.proto.images.v1.CreateImageRequest;
import dev.transferd.proto.images.v1.CreateImageResponse;
import dev.transferd.proto.images.v1.DeleteImageRequest;
import dev.transferd.proto.images.v1.GetImageRequest;
import dev.transferd.proto.images.v1.GetImageResponse;
import dev.transferd.proto.images.v1.ListImagesRequest;
import dev.transferd.proto.images.v1.ListImagesResponse;
import dev.transferd.proto.images.v1.UpdateImageRequest;
import dev.transferd.proto.images.v1.UpdateImageResponse;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;

/** containerd's {@code containerd.services.images.v1.Images} over the image store. */
public final class ImagesService {
  public static final String SERVICE = "containerd.services.images.v1.Images";
  public static final MethodDescriptor<GetImageRequest, GetImageResponse> GET =
      MethodDescriptor.unary(SERVICE, "Get", GetImageRequest.parser(), GetImageResponse.parser());
  public static final MethodDescriptor<ListImagesRequest, ListImagesResponse> LIST =
      MethodDescriptor.unary(
          SERVICE, "List", ListImagesRequest.parser(), ListImagesResponse.parser());
  public static final MethodDescriptor<CreateImageRequest, CreateImageResponse> CREATE =
      MethodDescriptor.unary(
          SERVICE, "Create", CreateImageRequest.parser(), CreateImageResponse.parser());
  public static final MethodDescriptor<UpdateImageRequest, UpdateImageResponse> UPDATE =
      MethodDescriptor.unary(
          SERVICE, "Update", UpdateImageRequest.parser(), UpdateImageResponse.parser());
  public static final MethodDescriptor<DeleteImageRequest, Empty> DELETE =
      MethodDescriptor.unary(SERVICE, "Delete", DeleteImageRequest.parser(), Empty.parser());

  private final Store store;

  private ImagesService(Store store) {
    this.store = store;
  }

  public static ServiceDefinition definition(Store store) {
    ImagesService s = new ImagesService(store);
    return ServiceDefinition.builder(SERVICE)
        .unary(GET, s::get)
        .unary(LIST, s::list)
        .unary(CREATE, s::create)
        .unary(UPDATE, s::update)
        .unary(DELETE, s::delete)
        .build();
  }

  private GetImageResponse get(CallContext call, GetImageRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          Image image = existing(ns, req.getName());
          return GetImageResponse.newBuilder().setImage(ProtoRecords.image(image)).build();
        });
  }

  private ListImagesResponse list(CallContext call, ListImagesRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
          for (Image i : store.images().list(ns, req.getFiltersList())) {
            out.addImages(ProtoRecords.image(i));
          }
          return out.build();
        });
  }

  private CreateImageResponse create(CallContext call, CreateImageRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          Image created = store.images().create(ns, ProtoRecords.image(req.getImage()));
          return CreateImageResponse.newBuilder().setImage(ProtoRecords.image(created)).build();
        });
  }

  private UpdateImageResponse update(CallContext call, UpdateImageRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          Image updated =
              store
                  .images()
                  .update(
                      ns, ProtoRecords.image(req.getImage()), req.getUpdateMask().getPathsList());
          return UpdateImageResponse.newBuilder().setImage(ProtoRecords.image(updated)).build();
        });
  }

  /**
   * Deletes an image; with {@code target} set, only if the image still points there
   * (FAILED_PRECONDITION otherwise); with {@code sync}, collects garbage before answering.
   */
  private Empty delete(CallContext call, DeleteImageRequest req) {
    String ns = RequestScope.of(call).namespace();
    return StoreErrors.mapped(
        () -> {
          if (req.hasTarget()) {
            Image current = existing(ns, req.getName());
            if (!current.target().getDigest().equals(req.getTarget().getDigest())) {
              throw StoreException.failedPrecondition(
                  "image \""
                      + req.getName()
                      + "\" points at "
                      + current.target().getDigest()
                      + ", not "
                      + req.getTarget().getDigest());
            }
          }
          store.images().delete(ns, req.getName());
          if (req.getSync()) {
            store.collectGarbage();
          }
          return Empty.getDefaultInstance();
        });
  }

  /** The image {@code name} in {@code ns}; NOT_FOUND, naming both, if it is not there. */
  private Image existing(String ns, String name) {
    return store
        .images()
        .get(ns, name)
        .orElseThrow(
            () -> StoreException.notFound("image \"" + name + "\" not found in namespace " + ns));
  }
}
