package dev.transferd.plugin.store.embedded;

import dev.transferd.plugin.store.StoreException;
import java.util.regex.Pattern;

/**
 * containerd's namespace rules: required (FAILED_PRECONDITION "namespace is required", as {@code
 * namespaces.NamespaceRequired}), and an identifier (alphanumerics separated by single {@code .},
 * {@code _} or {@code -}, at most 76 characters; INVALID_ARGUMENT otherwise).
 */
final class NamespaceRules {
  private static final int MAX_LENGTH = 76;
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  private NamespaceRules() {}

  static String require(String namespace) {
    if (namespace == null || namespace.isEmpty()) {
      throw StoreException.failedPrecondition("namespace is required");
    }
    if (namespace.length() > MAX_LENGTH || !IDENTIFIER.matcher(namespace).matches()) {
      throw StoreException.invalidArgument(
          "namespace \""
              + namespace
              + "\" is not a valid identifier (alphanumerics joined by '.', '_' or '-', at most "
              + MAX_LENGTH
              + " characters)");
    }
    return namespace;
  }
}
