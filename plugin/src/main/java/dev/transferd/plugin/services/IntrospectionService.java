package dev.transferd.plugin.services;

import com.google.protobuf.Empty;
import dev.transferd.plugin.store.Filter;
import dev.transferd.proto.introspection.v1.Plugin;
import dev.transferd.proto.introspection.v1.PluginsRequest;
import dev.transferd.proto.introspection.v1.PluginsResponse;
import dev.transferd.proto.introspection.v1.ServerResponse;
import dev.transferd.ttrpc.CallContext;
import dev.transferd.ttrpc.MethodDescriptor;
import dev.transferd.ttrpc.ServiceDefinition;
import java.util.List;
import java.util.Optional;

/**
 * containerd's {@code containerd.services.introspection.v1.Introspection}: who this server is (a
 * uuid stable for the process, its pid) and which plugins it serves, so tools that probe a
 * containerd endpoint find their way. Plugins filter by {@code type} and {@code id} in containerd's
 * filter syntax.
 */
public final class IntrospectionService {
  public static final String SERVICE = "containerd.services.introspection.v1.Introspection";
  public static final MethodDescriptor<PluginsRequest, PluginsResponse> PLUGINS =
      MethodDescriptor.unary(SERVICE, "Plugins", PluginsRequest.parser(), PluginsResponse.parser());
  public static final MethodDescriptor<Empty, ServerResponse> SERVER =
      MethodDescriptor.unary(SERVICE, "Server", Empty.parser(), ServerResponse.parser());

  /** What this daemon registers, in containerd's plugin types and ids. */
  static final List<Plugin> PLUGIN_LIST =
      List.of(
          plugin("io.containerd.content.v1", "content"),
          plugin("io.containerd.metadata.v1", "lmdb", "io.containerd.content.v1"),
          plugin("io.containerd.lease.v1", "manager", "io.containerd.metadata.v1"),
          plugin("io.containerd.gc.v1", "scheduler", "io.containerd.metadata.v1"),
          plugin("io.containerd.transfer.v1", "local", "io.containerd.lease.v1"),
          plugin("io.containerd.grpc.v1", "content", "io.containerd.content.v1"),
          plugin("io.containerd.grpc.v1", "images", "io.containerd.metadata.v1"),
          plugin("io.containerd.grpc.v1", "leases", "io.containerd.lease.v1"),
          plugin("io.containerd.grpc.v1", "introspection"),
          plugin("io.containerd.grpc.v1", "namespaces", "io.containerd.metadata.v1"),
          plugin("io.containerd.grpc.v1", "streaming"),
          plugin("io.containerd.grpc.v1", "transfer", "io.containerd.transfer.v1"));

  private final String uuid;

  private IntrospectionService(String uuid) {
    this.uuid = uuid;
  }

  public static ServiceDefinition definition(String uuid) {
    IntrospectionService s = new IntrospectionService(uuid);
    return ServiceDefinition.builder(SERVICE)
        .unaryDirect(PLUGINS, s::plugins)
        .unaryDirect(SERVER, s::server)
        .build();
  }

  private static Plugin plugin(String type, String id, String... requires) {
    return Plugin.newBuilder().setType(type).setId(id).addAllRequires(List.of(requires)).build();
  }

  private PluginsResponse plugins(CallContext call, PluginsRequest req) {
    return StoreErrors.mapped(
        () -> {
          Filter filter = Filter.parseAny(req.getFiltersList());
          PluginsResponse.Builder out = PluginsResponse.newBuilder();
          for (Plugin p : PLUGIN_LIST) {
            if (filter.matches(path -> field(p, path))) {
              out.addPlugins(p);
            }
          }
          return out.build();
        });
  }

  private static Optional<String> field(Plugin p, List<String> path) {
    if (path.size() != 1) {
      return Optional.empty();
    }
    return switch (path.getFirst()) {
      case "type" -> Optional.of(p.getType());
      case "id" -> Optional.of(p.getId());
      default -> Optional.empty();
    };
  }

  private ServerResponse server(CallContext call, Empty req) {
    return ServerResponse.newBuilder().setUuid(uuid).setPid(ProcessHandle.current().pid()).build();
  }
}
