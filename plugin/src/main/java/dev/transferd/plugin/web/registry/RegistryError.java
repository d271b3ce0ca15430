package dev.transferd.plugin.web.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * The error codes of the OCI distribution spec that a read-only endpoint answers with, each with
 * its HTTP status, and their JSON body ({@code {"errors":[{"code","message","detail"}]}}).
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md">error
 *     codes</a>
 */
enum RegistryError {
  BLOB_UNKNOWN(404),
  DIGEST_INVALID(400),
  MANIFEST_UNKNOWN(404),
  NAME_INVALID(400),
  NAME_UNKNOWN(404),
  RANGE_INVALID(416),
  PAGINATION_NUMBER_INVALID(400),
  UNAUTHORIZED(401),
  UNSUPPORTED(405);

  private static final ObjectMapper JSON = new ObjectMapper();

  final int status;

  RegistryError(int status) {
    this.status = status;
  }

  /** The spec's error body for this code with {@code message}. */
  byte[] body(String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putArray("errors").addObject();
    error.put("code", name());
    error.put("message", message);
    error.putNull("detail");
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }
}
