/**
 * The daemon's local store, as the rest of the daemon sees it: content (blobs by digest, written
 * through resumable ingests), images (named records per namespace), leases (what protects in-flight
 * work from garbage collection). Everything is per namespace, as in containerd
 * (docs/protocol/transfer.md §10). The embedded default keeps blobs as files in containerd's layout
 * and metadata in LMDB.
 */
package dev.transferd.plugin.store;
