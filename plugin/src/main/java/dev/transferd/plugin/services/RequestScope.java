package dev.transferd.plugin.services;

import dev.transferd.streams.StreamingProtocol;
import dev.transferd.ttrpc.CallContext;

/**
 * The namespace and lease a call carries in its ttrpc metadata ({@code containerd-namespace-ttrpc},
 * {@code containerd-lease}). An absent namespace is {@code ""}, which the store refuses with
 * FAILED_PRECONDITION "namespace is required", as containerd does; an absent lease is {@code null}.
 */
record RequestScope(String namespace, String lease) {
  static final String LEASE_KEY = "containerd-lease";

  static RequestScope of(CallContext call) {
    return new RequestScope(
        StreamingProtocol.namespace(call),
        call.metadata().get(LEASE_KEY).filter(s -> !s.isEmpty()).orElse(null));
  }
}
