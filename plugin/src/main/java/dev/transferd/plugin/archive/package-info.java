/**
 * Image archives: {@link dev.transferd.plugin.archive.ArchiveImporter} reads docker-save (v1.0,
 * v1.1/v1.2), docker 25 hybrid and OCI layout tars into the content store, validating every entry
 * and digest as it streams; {@link dev.transferd.plugin.archive.ImportWalker} checks and filters
 * the image graph; {@link dev.transferd.plugin.archive.ArchiveExporter} writes images back out as
 * an OCI layout with Docker's {@code manifest.json}. Independent of the Transfer service: blobs go
 * through {@link dev.transferd.plugin.archive.BlobSink} / {@link
 * dev.transferd.plugin.archive.BlobSource}.
 */
package dev.transferd.plugin.archive;
