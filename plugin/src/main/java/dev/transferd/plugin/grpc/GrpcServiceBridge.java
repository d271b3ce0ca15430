package dev.transferd.plugin.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.transferd.ttrpc.MethodType;
import dev.transferd.ttrpc.ServerInterceptor;
import dev.transferd.ttrpc.ServiceDefinition;
import dev.transferd.ttrpc.StreamHandler;
import dev.transferd.ttrpc.UnaryHandler;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.lite.ProtoLiteUtils;
import java.util.List;

/**
 * Exposes a ttrpc {@link ServiceDefinition} as a grpc-java {@link ServerServiceDefinition}: the
 * same handlers, written against {@code CallContext} and {@code ServerStream}, serve both
 * transports, so no service exists twice. Method descriptors are built at run time from the ttrpc
 * descriptors (full name {@code service/method}, the same four shapes) with protobuf marshallers
 * from the messages' parsers; no gRPC code generation is involved.
 *
 * <p>Each call's handler runs on a thread of its own from {@code handlers} (a virtual thread per
 * call, as on ttrpc, and the calls a stopping server fails); {@code interceptors} wrap the handlers
 * as a {@code TtrpcServer}'s do, the first outermost.
 */
public final class GrpcServiceBridge {
  private GrpcServiceBridge() {}

  /** The gRPC form of {@code service}, with call metadata made by {@code headers}. */
  public static ServerServiceDefinition bridge(
      ServiceDefinition service,
      CallMetadata headers,
      List<ServerInterceptor> interceptors,
      GrpcHandlers handlers) {
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service.name());
    for (ServiceDefinition.BoundMethod<?, ?> method : service.methods()) {
      add(out, method, headers, interceptors, handlers);
    }
    return out.build();
  }

  private static <Q extends MessageLite, R extends MessageLite> void add(
      ServerServiceDefinition.Builder out,
      ServiceDefinition.BoundMethod<Q, R> bound,
      CallMetadata headers,
      List<ServerInterceptor> interceptors,
      GrpcHandlers handlers) {
    dev.transferd.ttrpc.MethodDescriptor<Q, R> ttrpc = bound.descriptor();
    MethodDescriptor<Q, R> grpc =
        MethodDescriptor.<Q, R>newBuilder()
            .setType(typeOf(ttrpc.type()))
            .setFullMethodName(
                MethodDescriptor.generateFullMethodName(ttrpc.service(), ttrpc.method()))
            .setRequestMarshaller(ProtoLiteUtils.marshaller(defaultOf(ttrpc.requestParser())))
            .setResponseMarshaller(ProtoLiteUtils.marshaller(defaultOf(ttrpc.responseParser())))
            .build();
    UnaryHandler<Q, R> unary = bound.unary();
    StreamHandler<Q, R> stream = bound.stream();
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      ServerInterceptor interceptor = interceptors.get(i);
      if (unary != null) {
        UnaryHandler<Q, R> next = unary;
        unary = (ctx, req) -> interceptor.interceptUnary(ctx, req, next);
      } else {
        StreamHandler<Q, R> next = stream;
        stream = (ctx, s) -> interceptor.interceptStream(ctx, s, next);
      }
    }
    out.addMethod(grpc, new BridgedCall<>(ttrpc, unary, stream, headers, handlers));
  }

  static MethodDescriptor.MethodType typeOf(MethodType type) {
    return switch (type) {
      case UNARY -> MethodDescriptor.MethodType.UNARY;
      case SERVER_STREAMING -> MethodDescriptor.MethodType.SERVER_STREAMING;
      case CLIENT_STREAMING -> MethodDescriptor.MethodType.CLIENT_STREAMING;
      case BIDI_STREAMING -> MethodDescriptor.MethodType.BIDI_STREAMING;
    };
  }

  /** A message type's default instance, which the marshaller needs: the parse of no bytes. */
  private static <T extends MessageLite> T defaultOf(Parser<T> parser) {
    try {
      return parser.parseFrom(ByteString.EMPTY);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("message type has required fields: " + e.getMessage(), e);
    }
  }
}
