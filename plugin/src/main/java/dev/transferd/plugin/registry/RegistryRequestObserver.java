package dev.transferd.plugin.registry;

import java.util.Objects;

/**
 * Told about every HTTP exchange with a registry, redirect hops and challenges included: the
 * registry's {@code host[:port]} and the HTTP status, or 0 when no response came (connection or TLS
 * failure). Process-wide, as a Prometheus default registry is: the daemon installs one at start
 * ({@link #install}); the default does nothing. Called on the requesting thread; must be cheap and
 * must not throw.
 */
@FunctionalInterface
public interface RegistryRequestObserver {
  RegistryRequestObserver NONE = (host, status) -> {};

  void requested(String host, int status);

  /** Makes {@code observer} the one told from now on; {@link #NONE} to stop. */
  static void install(RegistryRequestObserver observer) {
    Installed.current = Objects.requireNonNull(observer, "observer");
  }

  /** The observer installed now. */
  static RegistryRequestObserver current() {
    return Installed.current;
  }

  /** Holds the installed observer (interfaces cannot have mutable static fields). */
  final class Installed {
    private static volatile RegistryRequestObserver current = NONE;

    private Installed() {}
  }
}
