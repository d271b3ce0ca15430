package dev.transferd.plugin.archive;

import dev.transferd.proto.types.Descriptor;

/**
 * An archive read into the store: its {@code root} is an OCI index blob (the archive's {@code
 * index.json}, or one synthesized for a Docker save), whose entries are the archive's images with
 * their name annotations.
 *
 * @param format what the archive was: {@code oci}, {@code docker} (v1.1/v1.2) or {@code
 *     docker-v1.0}
 */
public record ImportedArchive(String format, Descriptor root) {}
