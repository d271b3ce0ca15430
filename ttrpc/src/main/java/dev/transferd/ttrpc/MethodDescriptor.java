package dev.transferd.ttrpc;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.Objects;

/**
 * One method of a service: its wire names, its shape and how to parse its messages. Shared by
 * clients and servers.
 *
 * @param service the proto full name, e.g. {@code containerd.services.transfer.v1.Transfer}
 * @param method the bare method name as written in the proto, e.g. {@code Transfer}
 */
public record MethodDescriptor<Q extends MessageLite, R extends MessageLite>(
    String service,
    String method,
    MethodType type,
    Parser<Q> requestParser,
    Parser<R> responseParser) {

  public MethodDescriptor {
    if (service == null || service.isEmpty() || service.startsWith("/")) {
      throw new IllegalArgumentException("service must be a proto full name: " + service);
    }
    if (method == null || method.isEmpty() || method.contains("/")) {
      throw new IllegalArgumentException("method must be a bare name: " + method);
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(requestParser, "requestParser");
    Objects.requireNonNull(responseParser, "responseParser");
  }

  public static <Q extends MessageLite, R extends MessageLite> MethodDescriptor<Q, R> unary(
      String service, String method, Parser<Q> request, Parser<R> response) {
    return new MethodDescriptor<>(service, method, MethodType.UNARY, request, response);
  }

  public static <Q extends MessageLite, R extends MessageLite>
      MethodDescriptor<Q, R> serverStreaming(
          String service, String method, Parser<Q> request, Parser<R> response) {
    return new MethodDescriptor<>(service, method, MethodType.SERVER_STREAMING, request, response);
  }

  public static <Q extends MessageLite, R extends MessageLite>
      MethodDescriptor<Q, R> clientStreaming(
          String service, String method, Parser<Q> request, Parser<R> response) {
    return new MethodDescriptor<>(service, method, MethodType.CLIENT_STREAMING, request, response);
  }

  public static <Q extends MessageLite, R extends MessageLite> MethodDescriptor<Q, R> bidiStreaming(
      String service, String method, Parser<Q> request, Parser<R> response) {
    return new MethodDescriptor<>(service, method, MethodType.BIDI_STREAMING, request, response);
  }

  /** {@code /service/method}, the name interceptors and traces use; never on the wire. */
  public String fullMethod() {
    return "/" + service + "/" + method;
  }
}
