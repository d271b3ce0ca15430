package dev.transferd.plugin.services;

import dev.transferd.plugin.store.StoreException;
import dev.transferd.ttrpc.Status;
import dev.transferd.ttrpc.TtrpcException;

/**
 * The status a failed store call ends with (STYLE rule 7): a store error keeps its errdefs code and
 * message; anything else maps as ttrpc's {@code convertCode} does.
 */
final class StoreErrors {
  private StoreErrors() {}

  static TtrpcException toStatus(Throwable t) {
    if (t instanceof TtrpcException e) {
      return e;
    }
    Status s =
        t instanceof StoreException e
            ? Status.of(e.code(), e.getMessage())
            : Status.fromThrowable(t);
    return s.asException(t);
  }

  /** Work that may throw anything. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws Exception;
  }

  static <T> T mapped(Call<T> call) {
    try {
      return call.run();
    } catch (Exception e) {
      throw toStatus(e);
    }
  }
}
